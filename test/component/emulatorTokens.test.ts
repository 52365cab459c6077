import assert from 'node:assert/strict';
import { accessToken, acrScope, armScope, basic, clients, contoso, decodeClaims, entraToken, exchange, fabrikam, nullGuid, postForm, refreshToken, useEmulator } from './emulatorSupport';

describe('emulator: challenge, exchange and token (docs/protocol.md sections 2-6)', () => {
  const emulator = useEmulator();
  let login: string;

  before(() => {
    login = emulator().loginServer('contosoapps');
  });

  it('reports each login server as 127.0.0.1 with its own port', () => {
    assert.match(login, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(emulator().loginServer('contosoabac'), login);
  });

  it('challenges /v2/ without credentials with realm and service of the login server', async () => {
    const response = await fetch(`https://${login}/v2/`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer realm="https://${login}/oauth2/token",service="${login}"`);
  });

  it('names the scope and the detail in the challenge for the catalog', async () => {
    const response = await fetch(`https://${login}/v2/_catalog`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer realm="https://${login}/oauth2/token",service="${login}",scope="registry:catalog:*"`);
    assert.deepEqual(await response.json(), {
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: [{ Type: 'registry', Name: 'catalog', Action: '*' }] }],
    });
  });

  it('issues Entra tokens as RS256 JWTs that verify with the published keys', async () => {
    const token = await entraToken(emulator(), clients.puller, acrScope);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;
    assert.equal(header.alg, 'RS256');
    const claims = decodeClaims(token);
    assert.equal(claims.aud, 'https://containerregistry.azure.net');
    assert.equal(claims.tid, contoso);
    assert.equal(claims.oid, '0b1d0000-0000-4000-8000-000000000003');
    assert.equal(typeof claims.jti, 'string');
    const metadata = (await (await fetch(`${emulator().entra.authorityHost}/${contoso}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    for (const field of ['token_endpoint', 'issuer', 'authorization_endpoint', 'jwks_uri', 'end_session_endpoint']) assert.ok(metadata[field], field);
    assert.equal(metadata.issuer, claims.iss);
    const { keys } = (await (await fetch(metadata.jwks_uri)).json()) as { keys: Array<Record<string, string>> };
    const jwk = keys.find((key) => key.kid === header.kid);
    assert.ok(jwk, 'the signing key is published');
    const { createPublicKey, verify } = await import('node:crypto');
    const [h, c, s] = token.split('.');
    assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url')));
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const response = await postForm(`${emulator().entra.authorityHost}/${contoso}/oauth2/v2.0/token`, {
      client_id: clients.puller.clientId,
      client_secret: 'wrong',
      grant_type: 'client_credentials',
      scope: acrScope,
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  });

  it('exchanges an Entra token for a refresh token with the documented claims', async () => {
    const response = await exchange(login, await entraToken(emulator(), clients.puller, acrScope), contoso);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body), ['refresh_token']);
    const claims = decodeClaims(body.refresh_token);
    for (const claim of ['jti', 'sub', 'nbf', 'exp', 'iat', 'iss', 'aud', 'version', 'grant_type', 'tenant', 'permissions', 'roles']) assert.ok(claim in claims, claim);
    assert.equal(claims.iss, 'Azure Container Registry');
    assert.equal(claims.aud, login);
    assert.equal(claims.version, '1.0');
    assert.equal(claims.grant_type, 'refresh_token');
    assert.equal(claims.tenant, contoso);
    assert.equal(claims.sub, '0b1d0000-0000-4000-8000-000000000003');
  });

  it('exchanges without the optional tenant field, and with an ARM-audience token', async () => {
    assert.equal((await exchange(login, await entraToken(emulator(), clients.puller, acrScope))).status, 200);
    assert.equal((await exchange(login, await entraToken(emulator(), clients.puller, armScope))).status, 200);
  });

  it('answers 401 to a bad or wrong-tenant Entra token and 403 to a caller with no role', async () => {
    assert.equal((await exchange(login, 'not-a-token')).status, 401);
    const token = await entraToken(emulator(), clients.puller, acrScope);
    assert.equal((await exchange(login, token, fabrikam)).status, 401);
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await exchange(login, tampered)).status, 401);
    const noRole = await exchange(login, await entraToken(emulator(), clients.nobody, acrScope));
    assert.equal(noRole.status, 403);
  });

  it('mints access tokens that carry only the permitted actions', async () => {
    const refresh = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    const token = await accessToken(login, refresh, ['repository:hello:pull,push,delete', 'registry:catalog:*']);
    const claims = decodeClaims(token);
    assert.equal(claims.grant_type, 'access_token');
    assert.equal(claims.aud, login);
    assert.deepEqual(claims.access, [
      { type: 'repository', name: 'hello', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('lets the real registry accept a pull token and refuse a push the token lacks', async () => {
    const refresh = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    const pullToken = await accessToken(login, refresh, ['repository:hello:pull']);
    const tags = await fetch(`https://${login}/v2/hello/tags/list`, { headers: { authorization: `Bearer ${pullToken}` } });
    assert.equal(tags.status, 200);
    assert.deepEqual(((await tags.json()) as { tags: string[] }).tags.sort(), ['latest', 'v1']);
    const upload = await fetch(`https://${login}/v2/hello/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${pullToken}` } });
    assert.equal(upload.status, 401);
    const other = await fetch(`https://${login}/v2/team/api/tags/list`, { headers: { authorization: `Bearer ${pullToken}` } });
    assert.equal(other.status, 401);
  });

  it('accepts the GET form with Basic auth of the null GUID and a refresh token', async () => {
    const refresh = await refreshToken(login, await entraToken(emulator(), clients.pusher, acrScope));
    const response = await fetch(`https://${login}/oauth2/token?service=${encodeURIComponent(login)}&scope=repository:hello:pull,push`, {
      headers: { authorization: basic(nullGuid, refresh) },
    });
    assert.equal(response.status, 200);
    const claims = decodeClaims(((await response.json()) as { access_token: string }).access_token);
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'hello', actions: ['pull', 'push'] }]);
  });

  it('accepts the password grant for a service principal', async () => {
    const response = await postForm(`https://${login}/oauth2/token`, {
      grant_type: 'password',
      service: login,
      scope: 'repository:team/api:pull',
      username: clients.puller.clientId,
      password: clients.puller.secret,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(decodeClaims(((await response.json()) as { access_token: string }).access_token).access, [{ type: 'repository', name: 'team/api', actions: ['pull'] }]);
  });

  it('refuses a refresh token of another registry', async () => {
    const refresh = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    const other = emulator().loginServer('contosonoarm');
    const response = await postForm(`https://${other}/oauth2/token`, { grant_type: 'refresh_token', service: other, scope: 'repository:hello:pull', refresh_token: refresh });
    assert.equal(response.status, 401);
  });

  it('refuses ARM-audience tokens where the registry switched them off, and accepts ACR-audience ones', async () => {
    const noArm = emulator().loginServer('contosonoarm');
    assert.equal((await exchange(noArm, await entraToken(emulator(), clients.puller, armScope))).status, 401);
    assert.equal((await exchange(noArm, await entraToken(emulator(), clients.puller, acrScope))).status, 200);
  });
});
