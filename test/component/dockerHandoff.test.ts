import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDockerAuth } from '../../src/docker/auth';
import { DockerEnvironment } from '../../src/docker/config';
import { RegistryCredential, storeDockerCredential } from '../../src/docker/credentials';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { DockerConfigError, RegistryLoginRefusedError } from '../../src/docker/errors';
import { handOffToDocker, withdrawFromDocker } from '../../src/docker/handoff';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { acrScope, clients, entraToken, nullGuid, refreshToken, useEmulator } from './emulatorSupport';

interface Result {
  code: number;
  output: string;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
    // A program that exits without reading its input is judged by its exit code, not by the broken pipe.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

describe('docker handoff: the engine checks, the docker CLI pulls with what was stored', () => {
  let engine: DockerEngine;
  const emulator = useEmulator();
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
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-handoff-'));
    login = emulator().loginServer('contosoapps');
    refresh = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
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
    const theirToken = await refreshToken(login, await entraToken(emulator(), clients.pusher, acrScope));
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

  describe('renewal: replaces what the extension stored before, never what the user stored since', () => {
    let renewed: string;
    let theirs: string;
    const ours = (): RegistryCredential => ({ serverAddress: login, username: nullGuid, secret: refresh });
    const renewal = (): RegistryCredential => ({ serverAddress: login, username: nullGuid, secret: renewed });
    // The fixture's repository-scoped token on contosoapps.
    const repositoryToken = (): RegistryCredential => ({ serverAddress: login, username: 'hellopuller', secret: 'hello-token-password' });
    const encodedAuth = (username: string, secret: string): string => Buffer.from(`${username}:${secret}`).toString('base64');

    /** The credential for the login server in config.json `auths`, decoded. */
    const inConfig = async (file: string): Promise<{ username: string; secret: string } | undefined> => {
      const auth = (JSON.parse(await readFile(file, 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths?.[login]?.auth;
      if (!auth) return undefined;
      const text = Buffer.from(auth, 'base64').toString();
      return { username: text.slice(0, text.indexOf(':')), secret: text.slice(text.indexOf(':') + 1) };
    };

    /** The credential docker-credential-pass holds for the login server. */
    const inPass = async (): Promise<{ username: string; secret: string }> => {
      const answer = await run('docker-credential-pass', ['get'], { ...process.env, ...passEnv }, login);
      const parsed = JSON.parse(answer.output) as { Username: string; Secret: string };
      return { username: parsed.Username, secret: parsed.Secret };
    };

    /** Compares without printing a secret when they differ. */
    const assertHolds = (stored: { username: string; secret: string } | undefined, expected: RegistryCredential, what: string): void => {
      assert.ok(stored, `${what} holds a credential`);
      assert.equal(stored.username, expected.username, what);
      assert.ok(stored.secret === expected.secret, `${what} holds the expected secret`);
    };

    /** Content, inode and mtime of config.json and the files next to it: any write, even of the same bytes, changes them. */
    const fileState = async (config: { dir: string; file: string }): Promise<{ text: string; ino: number; mtimeMs: number; files: string[] }> => {
      const info = await stat(config.file);
      return { text: await readFile(config.file, 'utf8'), ino: info.ino, mtimeMs: info.mtimeMs, files: await readdir(config.dir) };
    };

    const assertUntouched = (after: Awaited<ReturnType<typeof fileState>>, before: Awaited<ReturnType<typeof fileState>>): void => {
      assert.ok(after.text === before.text, 'config.json is byte-for-byte the same');
      assert.deepEqual({ ino: after.ino, mtimeMs: after.mtimeMs, files: after.files }, { ino: before.ino, mtimeMs: before.mtimeMs, files: before.files });
    };

    const configWith = async (content: object, extraEnv: NodeJS.ProcessEnv = {}): Promise<ReturnType<typeof freshConfig>> => {
      const config = freshConfig(extraEnv);
      await mkdir(config.dir);
      await writeFile(config.file, JSON.stringify(content));
      return config;
    };

    before(async () => {
      renewed = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
      theirs = await refreshToken(login, await entraToken(emulator(), clients.pusher, acrScope));
      assert.ok(renewed !== refresh && theirs !== refresh, 'each exchange issues a new refresh token');
    });

    // The throw-away pass store is shared by every test: leave no entry for the next one.
    afterEach(() => run('docker-credential-pass', ['erase'], { ...process.env, ...passEnv }, login));

    it('replaces its own config.json entry with the renewed token and keeps every other entry and field', async () => {
      const other = { auth: encodedAuth('someone', 'elsewhere') };
      const config = await configWith({ auths: { 'other.example': other }, detachKeys: 'ctrl-x,x' });
      await handOffToDocker(ours(), { persist: true, engine: connection, environment: config });

      const result = await handOffToDocker(renewal(), { persist: true, engine: connection, environment: config, replacing: ours() });

      assert.deepEqual(result, { persisted: true, storedIn: { kind: 'config', file: config.file } });
      assertHolds(await inConfig(config.file), renewal(), 'config.json');
      const written = JSON.parse(await readFile(config.file, 'utf8')) as { auths: Record<string, unknown>; detachKeys: string };
      assert.deepEqual(Object.keys(written.auths).sort(), ['other.example', login].sort());
      assert.deepEqual(written.auths['other.example'], other);
      assert.equal(written.detachKeys, 'ctrl-x,x');
    });

    it('replaces its own credential in docker-credential-pass with the renewed token, config.json as docker login leaves it', async () => {
      const config = await configWith({ credsStore: 'pass' }, passEnv);
      await handOffToDocker(ours(), { persist: true, engine: connection, environment: config });

      const result = await handOffToDocker(renewal(), { persist: true, engine: connection, environment: config, replacing: ours() });

      assert.deepEqual(result, { persisted: true, storedIn: { kind: 'helper', program: 'docker-credential-pass', file: config.file } });
      assertHolds(await inPass(), renewal(), 'docker-credential-pass');
      assert.deepEqual(JSON.parse(await readFile(config.file, 'utf8')), { auths: { [login]: {} }, credsStore: 'pass' });
    });

    it('stores the renewed token in config.json when nothing is stored for the registry (no config file at all)', async () => {
      const config = freshConfig();

      const result = await handOffToDocker(renewal(), { persist: true, engine: connection, environment: config, replacing: ours() });

      assert.deepEqual(result, { persisted: true, storedIn: { kind: 'config', file: config.file } });
      assertHolds(await inConfig(config.file), renewal(), 'config.json');
    });

    it('stores the renewed token through the credential helper when the helper holds nothing for the registry', async () => {
      const config = await configWith({ credHelpers: { [login]: 'pass' } }, passEnv);

      assert.deepEqual(await storeDockerCredential(renewal(), config, ours()), { kind: 'helper', program: 'docker-credential-pass', file: config.file });

      assertHolds(await inPass(), renewal(), 'docker-credential-pass');
    });

    /** The extension stores its credential, then the user runs their own `docker login` (same null GUID, their token). */
    const theirDockerLoginAfterOurs = async (content: object, extraEnv: NodeJS.ProcessEnv = {}) => {
      const config = await configWith(content, extraEnv);
      await handOffToDocker(ours(), { persist: true, engine: connection, environment: config });
      const cli = await run('docker', ['login', '-u', nullGuid, '--password-stdin', login], config.env, theirs);
      assert.equal(cli.code, 0, cli.output);
      return { config, usersCredential: { serverAddress: login, username: nullGuid, secret: theirs } };
    };

    /** Ways the user's own credential can be there now, where it is kept, and a set-up that returns the config and what the user stored. */
    type StoredByTheUser = [string, 'config.json' | 'docker-credential-pass', () => Promise<{ config: ReturnType<typeof freshConfig>; usersCredential: RegistryCredential }>];
    const storedByTheUser: StoredByTheUser[] = [
      [
        'their own docker login to config.json (same null GUID username, their token)',
        'config.json',
        () => theirDockerLoginAfterOurs({}),
      ],
      [
        'a config.json entry with another username, written by another tool',
        'config.json',
        async () => {
          const usersCredential = repositoryToken();
          const config = freshConfig();
          await mkdir(config.dir);
          const content = { auths: { [login]: { auth: encodedAuth(usersCredential.username, usersCredential.secret) }, 'other.example': { auth: encodedAuth('a', 'b') } } };
          await writeFile(config.file, `${JSON.stringify(content, null, 2)}\n`);
          return { config, usersCredential };
        },
      ],
      [
        'their own docker login through credsStore "pass" (same null GUID username, their token)',
        'docker-credential-pass',
        () => theirDockerLoginAfterOurs({ credsStore: 'pass' }, passEnv),
      ],
      [
        'their docker logout and docker login with another username (a repository-scoped token) through credHelpers "pass"',
        'docker-credential-pass',
        async () => {
          const config = await configWith({ credHelpers: { [login]: 'pass' } }, passEnv);
          await handOffToDocker(ours(), { persist: true, engine: connection, environment: config });
          const logout = await run('docker', ['logout', login], config.env);
          assert.equal(logout.code, 0, logout.output);
          const usersCredential = repositoryToken();
          const cli = await run('docker', ['login', '-u', usersCredential.username, '--password-stdin', login], config.env, usersCredential.secret);
          assert.equal(cli.code, 0, cli.output);
          return { config, usersCredential };
        },
      ],
    ];
    for (const [name, keptIn, setUp] of storedByTheUser) {
      it(`writes nothing over ${name}: undefined / persisted false, config.json byte-for-byte the same`, async () => {
        const { config, usersCredential } = await setUp();
        const before = await fileState(config);

        assert.equal(await storeDockerCredential(renewal(), config, ours()), undefined);
        const result = await handOffToDocker(renewal(), { persist: true, engine: connection, environment: config, replacing: ours() });

        assert.equal(result.persisted, false);
        assert.equal(result.storedIn, undefined);
        assertUntouched(await fileState(config), before);
        assertHolds(keptIn === 'config.json' ? await inConfig(config.file) : await inPass(), usersCredential, keptIn);
      });
    }
  });
});
