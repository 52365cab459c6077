import assert from 'node:assert/strict';
import { InvalidReferenceError } from '../../src/docker/errors';
import { formatImageReference, parseImageReference, parseServerAddress } from '../../src/docker/references';

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

  it('parses registry/repository:tag and @digest, defaulting to latest when formatting', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseImageReference('127.0.0.1:5443/team/api:1.0'), { serverAddress: '127.0.0.1:5443', repository: 'team/api', tag: '1.0' });
    assert.deepEqual(parseImageReference(`contoso.azurecr.io/hello@${digest}`), { serverAddress: 'contoso.azurecr.io', repository: 'hello', digest });
    assert.equal(formatImageReference(parseImageReference('contoso.azurecr.io/hello')), 'contoso.azurecr.io/hello:latest');
    assert.equal(formatImageReference(parseImageReference(`contoso.azurecr.io/a/b-c__d.e:v1@${digest}`)), `contoso.azurecr.io/a/b-c__d.e:v1@${digest}`);
  });

  const badReferences: Array<[string, RegExp]> = [
    ['hello:v1', /names no registry host/],
    ['contoso.azurecr.io/Hello:v1', /"Hello" is not a valid repository path component/],
    ['contoso.azurecr.io/team//api', /"" is not a valid repository path component/],
    ['contoso.azurecr.io/hello:-bad', /"-bad" is not a valid tag/],
    ['contoso.azurecr.io/hello:', /"" is not a valid tag/],
    ['contoso.azurecr.io/', /repository name is empty/],
    ['contoso.azurecr.io/hello@sha256:xyz', /"sha256:xyz" is not a digest/],
    ['https://contoso.azurecr.io/hello', /leave out the scheme/],
  ];
  for (const [input, problem] of badReferences) {
    it(`refuses image reference ${JSON.stringify(input)} with an example of a good one`, () => {
      assert.throws(() => parseImageReference(input), (error: unknown) => {
        assert.ok(error instanceof InvalidReferenceError);
        assert.match(error.message, problem);
        assert.match(error.message, /e\.g\. myregistry\.azurecr\.io\/team\/api:1\.0/);
        return true;
      });
    });
  }
});
