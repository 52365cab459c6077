import assert from 'node:assert/strict';
import { InvalidReferenceError } from '../../src/docker/errors';
import { formatImageReference, ImageReference, parseImageReference } from '../../src/docker/imageReference';

describe('image references: host[:port]/repository[:tag][@digest]', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

  const good: Array<[string, ImageReference, string]> = [
    ['contoso.azurecr.io/hello:v1', { serverAddress: 'contoso.azurecr.io', repository: 'hello', tag: 'v1' }, 'contoso.azurecr.io/hello:v1'],
    ['127.0.0.1:5443/team/api:1.0', { serverAddress: '127.0.0.1:5443', repository: 'team/api', tag: '1.0' }, '127.0.0.1:5443/team/api:1.0'],
    ['localhost:5000/a/b/c-d/e__f/g.h_i---j', { serverAddress: 'localhost:5000', repository: 'a/b/c-d/e__f/g.h_i---j' }, 'localhost:5000/a/b/c-d/e__f/g.h_i---j:latest'],
    ['localhost/hello', { serverAddress: 'localhost', repository: 'hello' }, 'localhost/hello:latest'],
    [`contoso.azurecr.io/team/api@${digest}`, { serverAddress: 'contoso.azurecr.io', repository: 'team/api', digest }, `contoso.azurecr.io/team/api@${digest}`],
    [`contoso.azurecr.io:443/team/api:1.0@${digest}`, { serverAddress: 'contoso.azurecr.io:443', repository: 'team/api', tag: '1.0', digest }, `contoso.azurecr.io:443/team/api:1.0@${digest}`],
    ['Contoso.AzureCR.io/hello:V1_RC.2-x', { serverAddress: 'contoso.azurecr.io', repository: 'hello', tag: 'V1_RC.2-x' }, 'contoso.azurecr.io/hello:V1_RC.2-x'],
    ['  contoso.azurecr.io/hello:v1\n', { serverAddress: 'contoso.azurecr.io', repository: 'hello', tag: 'v1' }, 'contoso.azurecr.io/hello:v1'],
  ];
  for (const [input, parsed, formatted] of good) {
    it(`parses ${JSON.stringify(input)} and formats it as ${formatted}`, () => {
      assert.deepEqual(parseImageReference(input), parsed);
      assert.equal(formatImageReference(parsed), formatted);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['hello:v1', /names no registry host/],
    ['team/api:1.0', /names no registry host/],
    ['https://contoso.azurecr.io/hello', /leave out the scheme/],
    ['contoso.azurecr.io/Hello:v1', /repository names are lower case \("hello"\)/],
    ['contoso.azurecr.io/team//api', /"" is not a valid repository path component/],
    ['contoso.azurecr.io/team/-api', /"-api" is not a valid repository path component/],
    ['contoso.azurecr.io/team/api.', /"api\." is not a valid repository path component/],
    ['contoso.azurecr.io/', /the repository name is empty/],
    ['contoso.azurecr.io/:v1', /the repository name is empty/],
    ['contoso.azurecr.io/hello:', /"" is not a valid tag/],
    ['contoso.azurecr.io/hello:-bad', /"-bad" is not a valid tag/],
    [`contoso.azurecr.io/hello:${'t'.repeat(129)}`, /is not a valid tag/],
    ['contoso.azurecr.io/hello:v1:v2', /"hello:v1" is not a valid repository path component/],
    ['contoso.azurecr.io/hello@sha256:xyz', /"sha256:xyz" is not a digest/],
    [`contoso.azurecr.io/hello@${digest.toUpperCase().replace('SHA256', 'sha256')}`, /is not a digest such as sha256:<64 lower-case hex digits>/],
    [`contoso.azurecr.io/hello@md5:${'a'.repeat(32)}`, /is not a digest/],
    [`contoso.azurecr.io/hello@${digest}@${digest}`, /more than one @/],
    ['contoso.azurecr.io/hel lo', /must not contain spaces/],
    [`contoso.azurecr.io/${'a'.repeat(240)}`, /longer than 255 characters/],
  ];
  for (const [input, problem] of bad) {
    it(`refuses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)} saying why and how a good one looks`, () => {
      assert.throws(() => parseImageReference(input), (error: unknown) => {
        assert.ok(error instanceof InvalidReferenceError, String(error));
        assert.match(error.message, problem);
        assert.match(error.message, /e\.g\. myregistry\.azurecr\.io\/team\/api:1\.0/);
        return true;
      });
    });
  }

  it('refuses a registry host that is not a server address, with the whole reference and what the host lacks', () => {
    assert.throws(() => parseImageReference('conto_so.azurecr.io/hello:v1'), (error: unknown) => {
      assert.ok(error instanceof InvalidReferenceError, String(error));
      assert.match(error.message, /^"conto_so\.azurecr\.io\/hello:v1" is not an image reference\. .*"conto_so" is not a valid host name label/);
      return true;
    });
    assert.throws(() => parseImageReference('contoso.azurecr.io:99999/hello'), /port "99999" is not a number from 1 to 65535/);
  });
});
