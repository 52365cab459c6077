import assert from 'node:assert/strict';
import { InvalidReferenceError } from '../../src/docker/errors';
import { parseServerAddress } from '../../src/docker/references';

describe('registry server addresses and image references', () => {
  it('accepts host and host:port, lower-casing the host', () => {
    assert.equal(parseServerAddress('contoso.azurecr.io'), 'contoso.azurecr.io');
    assert.equal(parseServerAddress(' Contoso.AzureCR.io '), 'contoso.azurecr.io');
    assert.equal(parseServerAddress('127.0.0.1:5443'), '127.0.0.1:5443');
    assert.equal(parseServerAddress('localhost'), 'localhost');
  });

  const badAddresses: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['https://contoso.azurecr.io', /leave out the scheme/],
    ['user@contoso.azurecr.io', /must not contain a user name/],
    ['contoso.azurecr.io/hello', /must not contain a path/],
    ['contoso .azurecr.io', /must not contain a path, query, or spaces/],
    ['contoso.azurecr.io:0', /port "0" is not a number from 1 to 65535/],
    ['contoso.azurecr.io:99999', /port "99999"/],
    ['contoso..azurecr.io', /empty label/],
    ['contoso.azurecr.io.', /empty label/],
    ['-contoso.azurecr.io', /"-contoso" is not a valid host name label/],
    ['conto_so.azurecr.io', /"conto_so" is not a valid host name label/],
    ['a:1:2', /more than one colon/],
  ];
  for (const [input, problem] of badAddresses) {
    it(`refuses server address ${JSON.stringify(input)} with what to give instead`, () => {
      assert.throws(() => parseServerAddress(input), (error: unknown) => {
        assert.ok(error instanceof InvalidReferenceError);
        assert.match(error.message, problem);
        assert.match(error.message, /Give it as host or host:port/);
        return true;
      });
    });
  }
});
