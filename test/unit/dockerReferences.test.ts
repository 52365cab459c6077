import assert from 'node:assert/strict';
import { InvalidReferenceError } from '../../src/docker/errors';
import { normalizeServerAddress, parseServerAddress, serverAddressProblem } from '../../src/docker/references';

describe('login servers (registry server addresses): the one rule for typed and parsed ones', () => {
  it('accepts host and host:port, lower-casing the host', () => {
    assert.equal(parseServerAddress('contoso.azurecr.io'), 'contoso.azurecr.io');
    assert.equal(parseServerAddress(' Contoso.AzureCR.io '), 'contoso.azurecr.io');
    assert.equal(parseServerAddress('127.0.0.1:5443'), '127.0.0.1:5443');
    assert.equal(parseServerAddress('localhost'), 'localhost');
    assert.equal(parseServerAddress('[::1]:5000'), '[::1]:5000');
    assert.equal(parseServerAddress('[FD00::7]'), '[fd00::7]');
  });

  it('accepts upper case as typed and keys it lower-cased, as docker login does', () => {
    for (const typed of ['ContosoApps.azurecr.io', 'CONTOSOAPPS.AZURECR.IO', 'contosoApps.azurecr.io:8443']) {
      assert.equal(serverAddressProblem(typed), undefined, typed);
      assert.equal(parseServerAddress(typed), typed.toLowerCase());
      assert.equal(normalizeServerAddress(` ${typed}\t`), typed.toLowerCase());
    }
  });

  const badAddresses: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['   ', /it is empty/],
    ['https://contoso.azurecr.io', /leave out the scheme/],
    ['user@contoso.azurecr.io', /must not contain a user name/],
    ['contoso.azurecr.io/hello', /a login server is a host name such as myregistry\.azurecr\.io, without a path/],
    ['contoso.azurecr.io/v2', /without a path/],
    ['contoso.azurecr.io?x=1', /without a path, query/],
    // What the e2e sign-in journey types into the login server box.
    ['not a login server', /a login server is a host name such as myregistry\.azurecr\.io/],
    ['contoso .azurecr.io', /without a path, query or spaces/],
    ['contoso.azurecr.io:0', /port "0" is not a number from 1 to 65535/],
    ['contoso.azurecr.io:0443', /port "0443"/],
    ['contoso.azurecr.io:99999', /port "99999"/],
    ['contoso.azurecr.io:', /port "" is not a number/],
    ['contoso..azurecr.io', /empty label/],
    ['contoso.azurecr.io.', /ends with a dot/],
    ['-contoso.azurecr.io', /"-contoso" is not a valid host name label/],
    ['conto_so.azurecr.io', /"conto_so" is not a valid host name label/],
    ['contosö.azurecr.io', /"contosö" is not a valid host name label/],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.io`, /longer than 253/],
    ['a:1:2', /more than one colon.*in brackets/],
    ['::1', /more than one colon/],
    ['[::g]:5000', /"::g" is not an IPv6 address/],
    ['[::1]:70000', /port "70000"/],
  ];
  for (const [input, problem] of badAddresses) {
    it(`refuses ${JSON.stringify(input.length > 40 ? `${input.slice(0, 20)}...` : input)}, saying why and what to give instead`, () => {
      assert.match(serverAddressProblem(input) ?? 'accepted', problem);
      assert.throws(() => parseServerAddress(input), (error: unknown) => {
        assert.ok(error instanceof InvalidReferenceError);
        assert.match(error.message, problem);
        assert.match(error.message, /Give it as host or host:port/);
        return true;
      });
    });
  }
});
