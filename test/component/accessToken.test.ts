import assert from 'node:assert/strict';
import { ClientSecretCredential } from '@azure/identity';
import { accessTokenGuide, grantedByRepository } from '../../src/acr/accessTokenGuide';
import { accessTokenScopes } from '../../src/acr/accessTokenScopes';
import { accessTokenClaims } from '../../src/acr/jwt';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { basic, clients, contoso, decodeClaims, emulatorCloud, nullGuid, useEmulator } from './emulatorSupport';

describe('Repository-scoped access tokens against the emulator (src/acr/accessTokenScopes.ts, accessTokenGuide.ts)', () => {
  const emulator = useEmulator();
  let apps: string;

  /** An access token for these repositories and actions, as Create Repository-Scoped Access Token gets it. */
  const accessTokenFor = async (client: { clientId: string; secret: string }, repositories: string[], actions: string[]): Promise<string> => {
    const credential = new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
    const tokens = new AcrTokenClient({ credential, trust: { cloud: emulatorCloud(emulator()), armLoginServers: [apps] } });
    return (await tokens.accessToken({ loginServer: apps }, accessTokenScopes(repositories, actions))).token;
  };
  const tagsWithBearer = (repository: string, token: string) => fetch(`https://${apps}/v2/${repository}/tags/list`, { headers: { authorization: `Bearer ${token}` } });

  before(() => {
    apps = emulator().loginServer('contosoapps');
  });

  it('a token with pull on hello works as a Bearer token for hello/tags/list and is refused for team/api', async () => {
    const token = await accessTokenFor(clients.puller, ['hello'], ['pull']);

    const allowed = await tagsWithBearer('hello', token);
    assert.equal(allowed.status, 200);
    assert.deepEqual(((await allowed.json()) as { tags: string[] }).tags.sort(), ['latest', 'v1']);
    assert.equal((await tagsWithBearer('team/api', token)).status, 401);
  });

  it('the document shows the claims of the token itself, and nothing of its text', async () => {
    const token = await accessTokenFor(clients.puller, ['hello', 'team/api'], ['pull', 'push']);
    const ownClaims = decodeClaims(token);
    const claims = accessTokenClaims(token);

    assert.deepEqual(claims.access, ownClaims.access);
    assert.equal(claims.expiresOn, (ownClaims.exp as number) * 1000);
    assert.equal(claims.audience, apps);
    // AcrPull grants pull, not push: the registry, not the request, decides what the token carries.
    assert.deepEqual([...grantedByRepository(claims)], [
      ['hello', ['pull']],
      ['team/api', ['pull']],
    ]);
    const text = accessTokenGuide({ loginServer: apps, requested: { repositories: ['hello', 'team/api'], actions: ['pull', 'push'] }, claims, formatTime: (ms) => new Date(ms).toISOString(), shell: 'posix' });
    assert.match(text, /\| `hello` \| pull \|/);
    assert.match(text, /\| `team\/api` \| pull \|/);
    assert.match(text, /Asked for but not granted on `hello`: push/);
    assert.ok(text.includes(new Date(claims.expiresOn).toISOString()));
    for (const part of token.split('.')) assert.ok(!text.includes(part), 'a part of the token is in the document');
  });

  it('a pusher gets push too, and the token pushes nowhere else', async () => {
    const token = await accessTokenFor(clients.pusher, ['team/web'], ['pull', 'push']);
    assert.deepEqual(grantedByRepository(accessTokenClaims(token)).get('team/web'), ['pull', 'push']);
    // Starting an upload needs push on the repository named in the path.
    const upload = (repository: string) => fetch(`https://${apps}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal((await upload('team/web')).status, 202);
    assert.equal((await upload('hello')).status, 401);
  });

  it('the curl line of the document works as written, and the docker login sample names the null GUID', async () => {
    const token = await accessTokenFor(clients.puller, ['hello'], ['pull']);
    const text = accessTokenGuide({ loginServer: apps, requested: { repositories: ['hello'], actions: ['pull'] }, claims: accessTokenClaims(token), formatTime: String, shell: 'posix' });
    const curlUrl = /curl -H "Authorization: Bearer \$ACR_ACCESS_TOKEN" (https:\/\/\S+\/tags\/list)/.exec(text)?.[1];
    assert.equal(curlUrl, `https://${apps}/v2/hello/tags/list`);
    assert.equal((await fetch(curlUrl, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    // Basic with the null GUID is how docker, oras and helm send it on (docs/protocol.md section 5).
    const viaBasic = await fetch(`https://${apps}/oauth2/token?service=${apps}&scope=repository:hello:pull`, { headers: { authorization: basic(nullGuid, token) } });
    assert.equal(viaBasic.status, 200);
    const reissued = ((await viaBasic.json()) as { access_token: string }).access_token;
    assert.equal((await tagsWithBearer('hello', reissued)).status, 200);
    assert.equal((await tagsWithBearer('team/api', reissued)).status, 401);
  });
});
