import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDockerAuth } from '../../src/docker/auth';
import { DockerEnvironment } from '../../src/docker/config';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { DockerConfigError, RegistryLoginRefusedError } from '../../src/docker/errors';
import { handOffToDocker, withdrawFromDocker } from '../../src/docker/handoff';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { acrScope, assertCaTrusted, clients, componentFixture, entraToken, nullGuid, refreshToken } from './emulatorSupport';

interface Result {
  code: number;
  output: string;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

describe('docker handoff: the engine checks, the docker CLI pulls with what was stored', () => {
  let engine: DockerEngine;
  let emulator: RunningEmulator;
  let connection: DockerEngineConnection;
  let dir: string;
  let login: string;
  let refresh: string;
  let passEnv: NodeJS.ProcessEnv;
  const pulled = new Set<string>();

  /** A fresh DOCKER_CONFIG folder (not created yet) and the environment that points at it and the test engine. */
  let configCount = 0;
  const freshConfig = (extraEnv: NodeJS.ProcessEnv = {}): DockerEnvironment & { dir: string; file: string } => {
    const configDir = join(dir, `docker-config-${++configCount}`);
    return { dir: configDir, file: join(configDir, 'config.json'), env: { ...process.env, ...extraEnv, DOCKER_HOST: engine.host, DOCKER_CONFIG: configDir } };
  };

  /** `docker pull` as its own process, after removing any local copy so the engine really fetches. */
  const dockerPull = async (reference: string, env: NodeJS.ProcessEnv): Promise<Result> => {
    await run('docker', ['rmi', '-f', reference], env);
    pulled.add(reference);
    return run('docker', ['pull', reference], env);
  };

  before(async () => {
    engine = await startDockerEngine();
    emulator = await startEmulator({ fixture: componentFixture });
    assertCaTrusted(emulator);
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-handoff-'));
    login = emulator.loginServer('contosoapps');
    refresh = await refreshToken(login, await entraToken(emulator, clients.puller, acrScope));
    connection = await connectDockerEngine({ env: { ...process.env, DOCKER_HOST: engine.host }, platform: process.platform });

    // A throw-away GPG key and password store for docker-credential-pass.
    passEnv = { GNUPGHOME: join(dir, 'gnupg'), PASSWORD_STORE_DIR: join(dir, 'pass') };
    await mkdir(passEnv.GNUPGHOME!, { mode: 0o700 });
    const env = { ...process.env, ...passEnv };
    const key = await run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-generate-key', 'ACR test <acr-test@example.invalid>', 'default', 'default', 'never'], env);
    assert.equal(key.code, 0, key.output);
    const listed = await run('gpg', ['--list-keys', '--with-colons'], env);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listed.output)?.[1];
    assert.ok(fingerprint, listed.output);
    const init = await run('pass', ['init', fingerprint], env);
    assert.equal(init.code, 0, init.output);
  });

  after(async () => {
    if (engine) for (const reference of pulled) await run('docker', ['rmi', '-f', reference], { ...process.env, DOCKER_HOST: engine.host });
    if (passEnv) await run('gpgconf', ['--kill', 'gpg-agent'], { ...process.env, ...passEnv });
    await emulator?.stop();
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('checkAuth with the null GUID and a refresh token is accepted by the registry through the engine', async () => {
    await checkDockerAuth(connection, { serverAddress: login, username: nullGuid, secret: refresh });
  });

  it('refuses a wrong secret with the registry message, without the secret, and writes nothing', async () => {
    const wrongSecret = `${refresh.slice(0, -8)}AAAAAAAA`;
    const config = freshConfig();
    await assert.rejects(handOffToDocker({ serverAddress: login, username: nullGuid, secret: wrongSecret }, { persist: true, engine: connection, environment: config }), (error: unknown) => {
      assert.ok(error instanceof RegistryLoginRefusedError, String(error));
      assert.match(error.message, new RegExp(`${login} refused the credentials: .*unauthorized`));
      assert.ok(!error.message.includes(wrongSecret));
      return true;
    });
    await assert.rejects(stat(config.dir), { code: 'ENOENT' });
  });

  it('persists to config.json, and docker pull in a separate process pulls a seeded image with it', async () => {
    const config = freshConfig();
    const result = await handOffToDocker({ serverAddress: login, username: nullGuid, secret: refresh }, { persist: true, engine: connection, environment: config });
    assert.deepEqual(result, { persisted: true, storedIn: { kind: 'config', file: config.file } });
    assert.equal((await stat(config.file)).mode & 0o777, 0o600);
    const pull = await dockerPull(`${login}/hello:v1`, config.env);
    assert.equal(pull.code, 0, pull.output);
  });

  it('keeps the credential in the extension only when asked not to persist', async () => {
    const config = freshConfig();
    assert.deepEqual(await handOffToDocker({ serverAddress: login, username: nullGuid, secret: refresh }, { persist: false, engine: connection, environment: config }), { persisted: false });
    await assert.rejects(stat(config.dir), { code: 'ENOENT' });
  });

  it('with credsStore "pass", stores the secret through docker-credential-pass and leaves config.json as docker login does', async () => {
    const ours = freshConfig(passEnv);
    await mkdir(ours.dir);
    await writeFile(ours.file, JSON.stringify({ credsStore: 'pass' }));
    const result = await handOffToDocker({ serverAddress: login, username: nullGuid, secret: refresh }, { persist: true, engine: connection, environment: ours });
    assert.deepEqual(result, { persisted: true, storedIn: { kind: 'helper', program: 'docker-credential-pass', file: ours.file } });

    const written = await readFile(ours.file, 'utf8');
    assert.ok(!written.includes(refresh) && !written.includes(Buffer.from(`${nullGuid}:${refresh}`).toString('base64')));
    const cli = freshConfig(passEnv);
    await mkdir(cli.dir);
    await writeFile(cli.file, JSON.stringify({ credsStore: 'pass' }));
    const cliLogin = await run('docker', ['login', '-u', nullGuid, '--password-stdin', login], cli.env, refresh);
    assert.equal(cliLogin.code, 0, cliLogin.output);
    assert.deepEqual(JSON.parse(written), JSON.parse(await readFile(cli.file, 'utf8')));

    const fromHelper = await run('docker-credential-pass', ['get'], ours.env, login);
    assert.equal(fromHelper.code, 0);
    assert.deepEqual(JSON.parse(fromHelper.output), { ServerURL: login, Username: nullGuid, Secret: refresh });
    const pull = await dockerPull(`${login}/team/api:1.0`, ours.env);
    assert.equal(pull.code, 0, pull.output);

    assert.equal(await withdrawFromDocker({ serverAddress: login, username: nullGuid, secret: refresh }, ours), 'removed');
    const afterErase = JSON.parse((await run('docker-credential-pass', ['get'], ours.env, login)).output) as { Secret: string };
    assert.equal(afterErase.Secret, '');
    assert.deepEqual(JSON.parse(await readFile(ours.file, 'utf8')), { auths: {}, credsStore: 'pass' });
  });

  it('leaves a helper credential the user replaced with their own docker login (az acr login style: null GUID, their token)', async () => {
    const config = freshConfig(passEnv);
    await mkdir(config.dir);
    await writeFile(config.file, JSON.stringify({ credsStore: 'pass' }));
    await handOffToDocker({ serverAddress: login, username: nullGuid, secret: refresh }, { persist: true, engine: connection, environment: config });
    const theirToken = await refreshToken(login, await entraToken(emulator, clients.pusher, acrScope));
    const theirs = await run('docker', ['login', '-u', nullGuid, '--password-stdin', login], config.env, theirToken);
    assert.equal(theirs.code, 0, theirs.output);
    const before = await readFile(config.file, 'utf8');
    assert.equal(await withdrawFromDocker({ serverAddress: login, username: nullGuid, secret: refresh }, config), 'kept');
    assert.equal(await readFile(config.file, 'utf8'), before);
    const stillTheirs = JSON.parse((await run('docker-credential-pass', ['get'], config.env, login)).output) as { Secret: string };
    assert.ok(stillTheirs.Secret === theirToken, 'the user\'s own credential is still in the helper');
    await run('docker', ['logout', login], config.env);
  });

  it('leaves a corrupt config.json byte-for-byte the same through a failed handoff, whichever step fails', async () => {
    const config = freshConfig();
    const corrupt = '{"auths": {"other.example": {"auth": "YTpi"}},\n  "credsStore": "desktop",,}';
    await mkdir(config.dir);
    await writeFile(config.file, corrupt);
    await assert.rejects(handOffToDocker({ serverAddress: login, username: nullGuid, secret: 'wrong' }, { persist: true, engine: connection, environment: config }), RegistryLoginRefusedError);
    await assert.rejects(handOffToDocker({ serverAddress: login, username: nullGuid, secret: refresh }, { persist: true, engine: connection, environment: config }), (error: unknown) => {
      assert.ok(error instanceof DockerConfigError);
      assert.match(error.message, new RegExp(`^${config.file} was left untouched: it is not valid JSON`));
      assert.ok(!error.message.includes(refresh));
      return true;
    });
    assert.equal(await readFile(config.file, 'utf8'), corrupt);
    assert.deepEqual(await readdir(config.dir), ['config.json']);
  });
});
