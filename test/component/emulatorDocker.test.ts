import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerEngine, DockerEngine } from '../world/dockerEngine';
import { accessToken, acrScope, armScope, clients, contoso, devSubscription, entraToken, exchange, nullGuid, refreshToken, useEmulator } from './emulatorSupport';

interface Result {
  code: number;
  output: string;
}

describe('emulator: the real docker CLI and engine through the login servers', () => {
  let engine: DockerEngine;
  const emulator = useEmulator();
  let dockerConfig: string;
  let login: string;
  const pulled = new Set<string>();

  const docker = (args: string[], stdin?: string): Promise<Result> =>
    new Promise((resolve) => {
      const child = execFile('docker', args, { env: { ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: dockerConfig }, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
      });
      // A program that exits without reading its input is judged by its exit code, not by the broken pipe.
      child.stdin?.on('error', () => undefined);
      if (stdin !== undefined) child.stdin?.end(stdin);
    });

  const dockerLogin = (username: string, password: string): Promise<Result> => docker(['login', '-u', username, '--password-stdin', login], password);

  /** Pulls fresh: removes any local copy first, so the engine really fetches from the registry. */
  const pull = async (reference: string): Promise<Result> => {
    await docker(['rmi', '-f', reference]);
    pulled.add(reference);
    return docker(['pull', reference]);
  };

  before(async () => {
    engine = await startDockerEngine();
    dockerConfig = await mkdtemp(join(tmpdir(), 'acr-docker-config-'));
    login = emulator().loginServer('contosoapps');
    // An empty helper for this host keeps the CLI on config.json even where a default store (pass) is installed.
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { [login]: '' } }));
  });

  after(async () => {
    if (engine) for (const reference of pulled) await docker(['rmi', '-f', reference]);
    await engine?.stop();
    if (dockerConfig) await rm(dockerConfig, { recursive: true, force: true });
  });

  it('logs in with the null GUID and a refresh token, then pulls a seeded image', async () => {
    const refresh = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    await emulator().client.clearLog();
    const loggedIn = await dockerLogin(nullGuid, refresh);
    assert.equal(loggedIn.code, 0, loggedIn.output);
    const result = await pull(`${login}/hello:v1`);
    assert.equal(result.code, 0, result.output);
    // The engine ran the token flow itself, as the puller, against this login server.
    const tokenRequests = (await emulator().client.log()).filter((entry) => entry.path === '/oauth2/token');
    assert.ok(tokenRequests.length > 0);
    assert.ok(tokenRequests.every((entry) => entry.caller === 'puller' && entry.status === 200), JSON.stringify(tokenRequests));
  });

  it('refuses a push with an AcrPull identity, and lets an AcrPush identity push', async () => {
    const pushed = `${login}/hello:from-test`;
    await docker(['tag', `${login}/hello:v1`, pushed]);
    pulled.add(pushed);
    const refused = await docker(['push', pushed]);
    assert.notEqual(refused.code, 0, refused.output);
    assert.match(refused.output, /denied|unauthorized/i);

    const pusherRefresh = await refreshToken(login, await entraToken(emulator(), clients.pusher, acrScope));
    assert.equal((await dockerLogin(nullGuid, pusherRefresh)).code, 0);
    const accepted = await docker(['push', pushed]);
    assert.equal(accepted.code, 0, accepted.output);
  });

  it('gives an identity with no role nothing: no refresh token, no login', async () => {
    const response = await exchange(login, await entraToken(emulator(), clients.nobody, acrScope));
    assert.equal(response.status, 403);
    const result = await dockerLogin(clients.nobody.clientId, clients.nobody.secret);
    assert.notEqual(result.code, 0, result.output);
  });

  it('lets the admin user in only while admin is enabled', async () => {
    const armToken = await entraToken(emulator(), clients.owner, armScope);
    const registryUrl = `${emulator().arm.endpoint}/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/Microsoft.ContainerRegistry/registries/contosoapps`;
    const credentials = await fetch(`${registryUrl}/listCredentials?api-version=2025-11-01`, { method: 'POST', headers: { authorization: `Bearer ${armToken}` } });
    assert.equal(credentials.status, 200);
    const { username, passwords } = (await credentials.json()) as { username: string; passwords: Array<{ value: string }> };
    assert.equal((await dockerLogin(username, passwords[0].value)).code, 0);
    assert.equal((await pull(`${login}/team/api:1.0`)).code, 0);

    const disable = await fetch(`${registryUrl}?api-version=2025-11-01`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${armToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { adminUserEnabled: false } }),
    });
    assert.equal(disable.status, 200);
    try {
      const refused = await dockerLogin(username, passwords[0].value);
      assert.notEqual(refused.code, 0, refused.output);
      assert.notEqual((await pull(`${login}/team/api:1.0`)).code, 0);
    } finally {
      await fetch(`${registryUrl}?api-version=2025-11-01`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${armToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { adminUserEnabled: true } }),
      });
    }
  });

  it('lets a repository-scoped ACR token pull only its repositories', async () => {
    assert.equal((await dockerLogin('hellopuller', 'hello-token-password')).code, 0);
    assert.equal((await pull(`${login}/hello:latest`)).code, 0);
    const refused = await pull(`${login}/team/web:2.0`);
    assert.notEqual(refused.code, 0, refused.output);
    assert.match(refused.output, /denied|unauthorized/i);
  });

  it('runs the managed-identity flow with plain HTTP, then docker login with the access token (seed 000)', async () => {
    const imds = await fetch(`${emulator().imds.endpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent('https://management.azure.com/')}`, {
      headers: { Metadata: 'true' },
    });
    assert.equal(imds.status, 200);
    const { access_token: entra, client_id: clientId } = (await imds.json()) as { access_token: string; client_id: string };
    assert.equal(clientId, 'c11e0000-0000-4000-8000-000000000005');
    assert.equal((await exchange(login, entra, contoso)).status, 200);
    const refresh = await refreshToken(login, entra);
    const access = await accessToken(login, refresh, ['repository:team/web:pull']);
    assert.equal((await dockerLogin(nullGuid, access)).code, 0);
    const allowed = await pull(`${login}/team/web:2.0`);
    assert.equal(allowed.code, 0, allowed.output);
    const refused = await pull(`${login}/hello:v1`);
    assert.notEqual(refused.code, 0, refused.output);
    assert.match(refused.output, /denied|unauthorized/i);
  });
});
