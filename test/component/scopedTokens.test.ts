import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { AcrError } from '../../src/acr/errors';
import { checkPasswordCredentials } from '../../src/acr/passwordAuth';
import { listRegistries, RegistrySummary } from '../../src/azure/registries';
import { parseRepositoryPatterns, scopeMapActions } from '../../src/azure/tokenRules';
import { RegistryTokens } from '../../src/azure/tokens';
import { checkFreshPassword } from '../../src/credentials/freshPassword';
import { dockerLoginCommand, kubernetesSecretYaml } from '../../src/credentials/outputs';
import { startDockerEngine, DockerEngine } from '../world/dockerEngine';
import { clients, contoso, devSubscription, emulatorCloud, useEmulator } from './emulatorSupport';

interface Result {
  code: number;
  output: string;
}

describe('ACR tokens and scope maps made through RegistryTokens, used by the real docker CLI and engine', () => {
  let engine: DockerEngine;
  const emulator = useEmulator();
  let login: string;
  let tokens: RegistryTokens;
  const configDirs: string[] = [];
  const pulled = new Set<string>();

  const docker = (config: string, args: string[], stdin?: string): Promise<Result> =>
    new Promise((resolve) => {
      const child = execFile('docker', args, { env: { ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: config }, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
      });
      // A program that exits without reading its input is judged by its exit code, not by the broken pipe.
      child.stdin?.on('error', () => undefined);
      if (stdin !== undefined) child.stdin?.end(stdin);
    });

  /** A DOCKER_CONFIG of its own, kept on config.json even where a default credential store is installed. */
  const freshConfig = async (content: Record<string, unknown> = {}): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'acr-token-config-'));
    configDirs.push(dir);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...content, credHelpers: { [login]: '' } }));
    return dir;
  };

  const dockerLogin = (config: string, username: string, password: string): Promise<Result> => docker(config, ['login', '-u', username, '--password-stdin', login], password);

  /** Pulls fresh: removes any local copy first, so the engine really fetches from the registry. */
  const pull = async (config: string, reference: string): Promise<Result> => {
    await docker(config, ['rmi', '-f', reference]);
    pulled.add(reference);
    return docker(config, ['pull', reference]);
  };

  /** A token on `hello` only (pull), with password1 expiring as given; resolves with its password. */
  const pullToken = async (name: string, expiry?: Date): Promise<string> => {
    const parsed = parseRepositoryPatterns('hello');
    assert.ok('patterns' in parsed);
    await tokens.putScopeMap(`${name}-map`, scopeMapActions(parsed.patterns, ['content/read', 'metadata/read']), 'pull hello');
    await tokens.createToken(name, `${name}-map`);
    return (await tokens.generatePassword(name, 'password1', expiry ?? new Date(Date.now() + 30 * 24 * 3600_000))).value;
  };

  before(async () => {
    engine = await startDockerEngine();
    login = emulator().loginServer('contosoapps');
    const credential = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
    const cloud = emulatorCloud(emulator());
    const registries = await listRegistries(() => credential, cloud, { id: devSubscription, name: 'Contoso Dev', tenantId: contoso });
    const registry = registries.find((candidate) => candidate.name === 'contosoapps') as RegistrySummary;
    tokens = new RegistryTokens(() => credential, cloud, registry, { pollIntervalMs: 10 });
  });

  after(async () => {
    const config = configDirs[0];
    if (engine && config) for (const reference of pulled) await docker(config, ['rmi', '-f', reference]);
    await engine?.stop();
    for (const dir of configDirs) await rm(dir, { recursive: true, force: true });
  });

  it('lets a token with pull on hello log in and pull hello, and refuses it team/api and a push', async () => {
    const password = await pullToken('hellopull1');
    const config = await freshConfig();
    const loggedIn = await dockerLogin(config, 'hellopull1', password);
    assert.equal(loggedIn.code, 0, loggedIn.output);
    const pulledA = await pull(config, `${login}/hello:v1`);
    assert.equal(pulledA.code, 0, pulledA.output);

    const pulledB = await pull(config, `${login}/team/api:1.0`);
    assert.notEqual(pulledB.code, 0, pulledB.output);
    assert.match(pulledB.output, /denied|unauthorized/i);

    await docker(config, ['tag', `${login}/hello:v1`, `${login}/hello:token-push`]);
    pulled.add(`${login}/hello:token-push`);
    const pushed = await docker(config, ['push', `${login}/hello:token-push`]);
    assert.notEqual(pushed.code, 0, pushed.output);
    assert.match(pushed.output, /denied|unauthorized/i);
  });

  it('refuses a disabled token everywhere, and lets it in again once enabled', async () => {
    const password = await pullToken('hellopull2');
    const config = await freshConfig();
    assert.equal((await dockerLogin(config, 'hellopull2', password)).code, 0);

    await tokens.setTokenEnabled('hellopull2', false);
    assert.equal((await tokens.getToken('hellopull2')).enabled, false);
    const refusedPull = await pull(config, `${login}/hello:v1`);
    assert.notEqual(refusedPull.code, 0, refusedPull.output);
    const refusedLogin = await dockerLogin(config, 'hellopull2', password);
    assert.notEqual(refusedLogin.code, 0, refusedLogin.output);

    await tokens.setTokenEnabled('hellopull2', true);
    assert.equal((await dockerLogin(config, 'hellopull2', password)).code, 0);
  });

  it('refuses a password once its expiry has passed', async () => {
    const expiry = new Date(Date.now() + 5_000);
    const password = await pullToken('hellopull3', expiry);
    const config = await freshConfig();
    const before = await dockerLogin(config, 'hellopull3', password);
    assert.equal(before.code, 0, before.output);
    assert.equal((await tokens.getToken('hellopull3')).passwords[0].expiry, expiry.getTime());

    // The emulator checks expiry against the real clock, so this waits until just past it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry.getTime() - Date.now() + 100)));
    const after = await dockerLogin(config, 'hellopull3', password);
    assert.notEqual(after.code, 0, after.output);
  });

  it('regenerating password2 leaves password1 working, and both log in', async () => {
    const password1 = await pullToken('hellopull4');
    const password2 = (await tokens.generatePassword('hellopull4', 'password2', undefined)).value;
    assert.notEqual(password2, password1);
    const regenerated = (await tokens.generatePassword('hellopull4', 'password2', undefined)).value;
    const config = await freshConfig();
    assert.equal((await dockerLogin(config, 'hellopull4', password1)).code, 0);
    assert.equal((await dockerLogin(config, 'hellopull4', regenerated)).code, 0);
    assert.notEqual((await dockerLogin(config, 'hellopull4', password2)).code, 0, 'the replaced password2 no longer works');
    const token = await tokens.getToken('hellopull4');
    assert.deepEqual(
      token.passwords.map((password) => [password.name, password.expiry]),
      [
        ['password1', token.passwords[0].expiry],
        ['password2', undefined],
      ],
    );
  });

  it("the password panel's docker login, run in bash with the password pasted when it waits, logs the docker CLI in", async () => {
    const password = await pullToken('bashlogin');
    const config = await freshConfig();
    const snippet = dockerLoginCommand({ loginServer: login, username: 'bashlogin' }, 'posix');
    const result = await new Promise<Result>((resolve) => {
      const child = execFile('bash', ['-c', snippet], { env: { ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: config }, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, output: stdout + stderr }),
      );
      // What the user pastes, then Enter: read -rs takes the line, and docker gets it on its standard input.
      child.stdin?.end(`${password}\n`);
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Login Succeeded/);
    assert.equal((await pull(config, `${login}/hello:v1`)).code, 0);
  });

  it("writes a Kubernetes secret whose .dockerconfigjson lets the docker CLI pull hello", async () => {
    const password = await pullToken('hellopull5');
    const yaml = kubernetesSecretYaml({ loginServer: login, username: 'hellopull5', password }, { name: 'acr-pull', namespace: 'apps' });
    assert.match(yaml, /^type: kubernetes\.io\/dockerconfigjson$/m);
    const encoded = /^ {2}\.dockerconfigjson: (\S+)$/m.exec(yaml)?.[1];
    assert.ok(encoded, 'the Secret has a .dockerconfigjson');
    const config = await freshConfig(JSON.parse(Buffer.from(encoded, 'base64').toString()) as Record<string, unknown>);
    const result = await pull(config, `${login}/hello:latest`);
    assert.equal(result.code, 0, result.output);
  });

  it('lists the built-in maps after the user-defined ones, and the tokens with their scope maps', async () => {
    const maps = await tokens.listScopeMaps();
    const builtIn = maps.filter((map) => map.builtIn).map((map) => map.name);
    assert.deepEqual(builtIn, ['_repositories_admin', '_repositories_pull', '_repositories_push']);
    assert.ok(maps.findIndex((map) => map.builtIn) > maps.findIndex((map) => map.name === 'hello-pull'));
    const listed = await tokens.listTokens();
    assert.equal(listed.find((token) => token.name === 'hellopuller')?.scopeMap, 'hello-pull');
  });

  it('deletes a token, whose password then stops working', async () => {
    const password = await pullToken('hellopull6');
    await tokens.deleteToken('hellopull6');
    await tokens.deleteScopeMap('hellopull6-map');
    assert.ok(!(await tokens.listTokens()).some((token) => token.name === 'hellopull6'));
    const config = await freshConfig();
    assert.notEqual((await dockerLogin(config, 'hellopull6', password)).code, 0);
  });

  it('tests a fresh password with backoff until it starts working, never calling it wrong', async () => {
    await emulator().client.setLifetimes({ tokenPasswordActivationSeconds: 2 });
    try {
      const password = await pullToken('hellopull7');
      const waits: number[] = [];
      const check = (): Promise<void> => checkPasswordCredentials({ loginServer: login }, { username: 'hellopull7', password });
      await assert.rejects(check(), (error: AcrError) => error.kind === 'credentialsRejected');
      const result = await checkFreshPassword(check, {
        backoffMs: [500, 500, 500, 500, 500, 500, 500, 500],
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((resolve) => setTimeout(resolve, ms));
        },
      });
      assert.equal(result.kind, 'accepted');
      assert.ok(waits.length >= 1, 'it was refused at first and retried');
    } finally {
      await emulator().client.setLifetimes({ tokenPasswordActivationSeconds: 0 });
    }
  });
});
