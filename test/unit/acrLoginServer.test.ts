import assert from 'node:assert/strict';
import { knownClouds } from '../../src/azure/clouds';
import { AcrError } from '../../src/acr/errors';
import { assertPasswordUrl, assertTrustedUrl, HostTrust, loginServerFor, registryNameProblem, untrustedReason } from '../../src/acr/loginServer';

const [publicCloud, chinaCloud] = knownClouds;

const trust: HostTrust = {
  cloud: publicCloud,
  armLoginServers: ['armreturned.example.net', '10.0.0.7:8443'],
  userTrustedHosts: ['registry.internal.test', '127.0.0.1:5000', 'localhost:5001', '192.168.1.20'],
};

/** Adversarial URLs: each must be refused before any token leaves. */
const adversarialUrls: ReadonlyArray<readonly [string, RegExp]> = [
  ['https://x.azurecr.io.evil.test/v2/', /does not end with \.azurecr\.io/],
  ['https://contosoapps.azurecr.io.attacker.com/oauth2/token', /does not end with \.azurecr\.io/],
  ['https://evilazurecr.io/v2/', /does not end with \.azurecr\.io/],
  ['https://azurecr.io/v2/', /does not end with \.azurecr\.io/],
  ['https://contosoapps.azurecr.io./v2/', /ends with a dot/],
  ['https://ContosoApps.azurecr.io/v2/', /upper-case/],
  ['https://contosoapps.AZURECR.IO/v2/', /upper-case/],
  ['https://xn--contsoapps-9db.azurecr.io/v2/', /punycode/],
  ['https://contosöapps.azurecr.io/v2/', /outside plain ASCII/],
  ['https://user@contosoapps.azurecr.io/v2/', /user name/],
  ['https://user:secret-password@contosoapps.azurecr.io/v2/', /user name/],
  ['https://evil.test\\@contosoapps.azurecr.io/v2/', /user name/],
  ['https://contosoapps.azurecr.io:8443/v2/', /a port is allowed only/],
  ['https://contosoapps.azurecr.io:443/v2/', /a port is allowed only|canonical/],
  ['https://127.0.0.1/v2/', /IP address/],
  ['https://127.0.0.1:5001/v2/', /a port is allowed only/],
  ['https://10.0.0.7/v2/', /IP address/],
  ['https://[::1]/v2/', /IP address/],
  ['https://0x7f.0.0.1:5000/v2/', /canonical/],
  ['https://2130706433/v2/', /canonical/],
  ['https://contosoapps.eastus.data.azurecr.io/v2/', /data endpoint/],
  ['https://contosoapps.data.azurecr.io/v2/', /data endpoint/],
  ['https://a.b.c.azurecr.io/v2/', /not a login server form/],
  ['https://abc.azurecr.io/v2/', /not a login server form/],
  ['https://contoso_apps.azurecr.io/v2/', /characters a host name cannot have/],
  ['https://contosoapps.azurecr.cn/v2/', /does not end with \.azurecr\.io/],
  ['http://contosoapps.azurecr.io/v2/', /scheme http is not HTTPS/],
  ['http://armreturned.example.net/v2/', /scheme http is not HTTPS/],
  ['http://192.168.1.20/v2/', /scheme http is not HTTPS/],
  ['http://127.0.0.1:5002/v2/', /scheme http is not HTTPS/],
  // Trusted hosts, loopback ones too, get tokens over HTTPS only.
  ['http://127.0.0.1:5000/v2/', /scheme http is not HTTPS/],
  ['http://localhost:5001/v2/', /scheme http is not HTTPS/],
  ['ftp://contosoapps.azurecr.io/v2/', /not HTTPS/],
  ['contosoapps.azurecr.io/v2/', /absolute URL/],
  ['https:///v2/', /no host/],
  ['https://contosoapps.azurecr.io%2eevil.test/v2/', /characters a host name cannot have/],
];

describe('acr: login server rules and host check', () => {
  describe('registry names', () => {
    for (const name of ['abcde', 'ContosoApps', 'a1b2c3', 'x'.repeat(50)]) {
      it(`accepts the name ${name.length > 20 ? `${name.slice(0, 8)}... (${name.length})` : name}`, () => {
        assert.equal(registryNameProblem(name), undefined);
      });
    }
    const bad: Array<[string, RegExp]> = [
      ['abcd', /5 to 50 characters/],
      ['x'.repeat(51), /5 to 50 characters/],
      ['contoso-apps', /only letters a-z and digits/],
      ['contoso.apps', /only letters a-z and digits/],
      ['contoso apps', /only letters a-z and digits/],
      ['contosöapps', /only letters a-z and digits/],
    ];
    for (const [name, message] of bad) {
      it(`refuses the name "${name.slice(0, 20)}" saying what a name may be`, () => {
        assert.match(registryNameProblem(name) ?? '', message);
        assert.throws(() => loginServerFor(name, publicCloud), (error: unknown) => error instanceof AcrError && error.kind === 'invalidRegistryName' && /5 to 50 letters and digits/.test(error.message));
      });
    }
    it('makes the login server from the lower-cased name and the cloud suffix', () => {
      assert.equal(loginServerFor('ContosoApps', publicCloud), 'contosoapps.azurecr.io');
      assert.equal(loginServerFor('ContosoApps', chinaCloud), 'contosoapps.azurecr.cn');
    });
  });

  describe('hosts that may receive an Entra token', () => {
    const accepted = [
      'https://contosoapps.azurecr.io/v2/',
      'https://contosoapps.azurecr.io/oauth2/token',
      'https://contosoapps-dgbdhfa5e8bxc8ep.azurecr.io/v2/',
      'https://contosoapps.westeurope.geo.azurecr.io/v2/',
      'https://armreturned.example.net/v2/',
      'https://10.0.0.7:8443/oauth2/token',
      'https://registry.internal.test/v2/',
      'https://127.0.0.1:5000/v2/',
      'https://192.168.1.20/v2/',
    ];
    for (const url of accepted) {
      it(`accepts ${url}`, () => {
        assert.equal(untrustedReason(url, trust), undefined);
      });
    }
    it('accepts the suffix of the configured cloud only', () => {
      assert.equal(untrustedReason('https://contosoapps.azurecr.cn/v2/', { cloud: chinaCloud }), undefined);
      assert.match(untrustedReason('https://contosoapps.azurecr.io/v2/', { cloud: chinaCloud }) ?? '', /does not end with \.azurecr\.cn/);
    });
  });

  describe('hosts refused before any token leaves', () => {
    for (const [url, reason] of adversarialUrls) {
      it(`refuses ${url}`, () => {
        assert.match(untrustedReason(url, trust) ?? 'accepted', reason);
      });
    }

    it('says which registry and host were refused, without the userinfo password', () => {
      assert.throws(
        () => assertTrustedUrl('https://user:secret-password@contosoapps.azurecr.io/v2/', trust, 'contosoapps.azurecr.io'),
        (error: unknown) =>
          error instanceof AcrError &&
          error.kind === 'hostNotTrusted' &&
          error.message.includes('contosoapps.azurecr.io') &&
          /add it to the acrAccess.trustedHosts setting/.test(error.message) &&
          !error.message.includes('secret-password'),
      );
    });
  });

  describe('where a registry password may go: its own login server, whatever host the user typed (not the Entra rule)', () => {
    /** Login servers nobody vouches for as Entra hosts (no cloud suffix, not listed, not trusted), each with a port or an IP. */
    const typed = ['registry.example.com', 'registry.example.com:5000', '127.0.0.1:5002', 'localhost:5003', '[::1]:5004', 'contosoapps.azurecr.io:8443'];
    for (const loginServer of typed) {
      it(`sends a password to https://${loginServer}/ and its own realm there; an Entra token is refused it`, () => {
        for (const url of [`https://${loginServer}/v2/`, `https://${loginServer}/oauth2/token`]) {
          assert.equal(assertPasswordUrl(url, loginServer).href, url);
          assert.ok(untrustedReason(url, trust), `${url} may receive an Entra token`);
        }
      });
    }

    const refused: ReadonlyArray<readonly [url: string, loginServer: string, kind: string, reason: RegExp]> = [
      // Plain HTTP, on the login server itself or elsewhere: its own message.
      ['http://registry.example.com:5000/oauth2/token', 'registry.example.com:5000', 'realmNotHttps', /over plain HTTP/],
      ['http://127.0.0.1:5002/oauth2/token', '127.0.0.1:5002', 'realmNotHttps', /over plain HTTP/],
      ['HTTP://evil.test/oauth2/token', 'registry.example.com', 'realmNotHttps', /over plain HTTP/],
      // A realm the challenge names on another host, another port, or the same machine by another name.
      ['https://evil.test/oauth2/token', 'registry.example.com', 'realmElsewhere', /another host/],
      ['https://registry.example.com:5001/oauth2/token', 'registry.example.com:5000', 'realmElsewhere', /another host/],
      ['https://registry.example.com/oauth2/token', 'registry.example.com:5000', 'realmElsewhere', /another host/],
      ['https://127.0.0.1:5003/oauth2/token', 'localhost:5003', 'realmElsewhere', /another host/],
      ['https://registry.example.com.evil.test/oauth2/token', 'registry.example.com', 'realmElsewhere', /another host/],
      ['https://user@registry.example.com/oauth2/token', 'registry.example.com', 'realmElsewhere', /another host/],
      ['https://Registry.example.com/oauth2/token', 'registry.example.com', 'realmElsewhere', /another host/],
      ['https://registry.example.com:443/oauth2/token', 'registry.example.com:443', 'invalidRegistryName', /canonical/],
      ['ftp://registry.example.com/oauth2/token', 'registry.example.com', 'realmElsewhere', /another host/],
      ['/oauth2/token', 'registry.example.com', 'realmElsewhere', /another host/],
      // Login servers not written plainly: the host checked would not be the host reached.
      ['https://user@registry.example.com/v2/', 'user@registry.example.com', 'invalidRegistryName', /user name/],
      ['https://Registry.example.com/v2/', 'Registry.example.com', 'invalidRegistryName', /upper-case/],
      ['https://0x7f.0.0.1:5000/v2/', '0x7f.0.0.1:5000', 'invalidRegistryName', /canonical/],
      ['https://2130706433/v2/', '2130706433', 'invalidRegistryName', /canonical/],
      ['https://registry.example.com./v2/', 'registry.example.com.', 'invalidRegistryName', /dot/],
      ['https://xn--contsoapps-9db.example.com/v2/', 'xn--contsoapps-9db.example.com', 'invalidRegistryName', /punycode/],
      ['https://registry.example.com/evil/v2/', 'registry.example.com/evil', 'invalidRegistryName', /without a path/],
    ];
    for (const [url, loginServer, kind, reason] of refused) {
      it(`refuses ${url} for login server ${loginServer} (${kind})`, () => {
        assert.throws(
          () => assertPasswordUrl(url, loginServer),
          (error: unknown) => error instanceof AcrError && error.kind === kind && reason.test(error.message) && !/trustedHosts|Azure sign-in token/.test(error.message),
        );
      });
    }
  });
});
