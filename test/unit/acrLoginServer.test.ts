import assert from 'node:assert/strict';
import { knownClouds } from '../../src/azure/clouds';
import { AcrError } from '../../src/acr/errors';
import { assertTrustedUrl, HostTrust, loginServerFor, registryNameProblem, untrustedReason } from '../../src/acr/loginServer';

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
});
