import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignInState } from '../../src/auth/signInState';
import { DockerEnvironment } from '../../src/docker/config';
import { DockerLogins, LoginSettings } from '../../src/dockerLogins';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { handOffToDocker, withdrawFromDocker } from '../../src/docker/handoff';
import { pullImage } from '../../src/docker/pull';
import { PodmanService, startPodmanService } from '../world/podman';
import { acrScope, clients, emulatorCloud, entraToken, nullGuid, refreshToken, useEmulator } from './emulatorSupport';

interface Result {
  code: number;
  output: string;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}

const authOf = (username: string, secret: string): string => Buffer.from(`${username}:${secret}`).toString('base64');
/** Compared without the secret ever going into an assertion's message. */
const holds = (entry: { auth?: string } | undefined, username: string, secret: string): boolean => entry?.auth === authOf(username, secret);

describe('Podman: its socket found as podman finds it, logins written to containers auth.json for podman and skopeo', function () {
  this.timeout(300_000);
  const emulator = useEmulator();
  let podman: PodmanService;
  let dir: string;
  let environment: DockerEnvironment;
  /** A shell's: no DOCKER_CONFIG (podman would log in to and read its config.json instead) and an empty HOME, so only auth.json holds credentials. */
  let shellEnv: NodeJS.ProcessEnv;
  let authFile: string;
  let connection: DockerEngineConnection;
  let login: string;

  before(async () => {
    podman = await startPodmanService();
    dir = await mkdtemp(join(tmpdir(), 'acr-podman-test-'));
    // A rootless user's layout: the socket and auth.json under XDG_RUNTIME_DIR; no REGISTRY_AUTH_FILE, no DOCKER_HOST.
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: podman.runtimeDir, DOCKER_CONFIG: join(dir, 'docker') };
    delete env.REGISTRY_AUTH_FILE;
    delete env.DOCKER_HOST;
    delete env.CONTAINER_HOST;
    environment = { env };
    shellEnv = { ...env, HOME: join(dir, 'home') };
    delete shellEnv.DOCKER_CONFIG;
    authFile = join(podman.runtimeDir, 'containers', 'auth.json');
    login = emulator().loginServer('contosoapps');
    connection = await connectDockerEngine({ env, platform: 'linux', engine: 'podman' });
  });

  after(async () => {
    await podman?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const auths = async (): Promise<Record<string, { auth?: string }>> => (JSON.parse(await readFile(authFile, 'utf8')) as { auths: Record<string, { auth?: string }> }).auths;
  /** The podman CLI as a user types it: its own process, the service's socket, credentials from the default auth file. */
  const podmanCli = (...args: string[]): Promise<Result> => run('podman', ['--url', podman.host, ...args], shellEnv);

  it('with acrAccess.engine podman, finds the rootless socket under XDG_RUNTIME_DIR and talks to it through its Docker API', () => {
    assert.equal(connection.location.host, podman.host);
    assert.deepEqual(connection.location.engines, ['podman']);
    assert.deepEqual(connection.location.tried, ['CONTAINER_HOST (not set)', join(podman.runtimeDir, 'podman', 'podman.sock')]);
  });

  it('with auto, takes the Docker engine of the platform default when it answers, and Podman when it does not', async () => {
    const docker = await connectDockerEngine({ ...environment, platform: 'linux', engine: 'docker' }).then(() => true, () => false);
    const auto = await connectDockerEngine({ ...environment, platform: 'linux' });
    assert.deepEqual(auto.location.engines, [docker ? 'docker' : 'podman']);
    if (!docker) assert.deepEqual(auto.location.tried.slice(0, 3), ['DOCKER_HOST (not set)', 'docker context (none selected)', 'platform default unix:///var/run/docker.sock']);
  });

  it('DockerLogins follows acrAccess.engine: Podman when it says podman, and connects again when it changes', async () => {
    const saved = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, DOCKER_HOST: process.env.DOCKER_HOST };
    // The window's own environment: Podman's rootless socket, and DOCKER_HOST at the same socket for 'docker'.
    process.env.XDG_RUNTIME_DIR = podman.runtimeDir;
    process.env.DOCKER_HOST = podman.host;
    try {
      let settings: LoginSettings = { cloud: emulatorCloud(emulator()), trustedHosts: [], saveForDocker: false, engine: 'podman' };
      // Connecting reads no sign-in state.
      const logins = new DockerLogins({} as SignInState, () => settings);
      assert.deepEqual((await logins.connectEngine()).location.tried, ['CONTAINER_HOST (not set)', join(podman.runtimeDir, 'podman', 'podman.sock')]);
      settings = { ...settings, engine: 'docker' };
      assert.deepEqual((await logins.connectEngine()).location.tried, [`DOCKER_HOST=${podman.host}`]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('logs Podman in, pulls through the extension, and podman pull and skopeo inspect in a shell use the auth.json it wrote; a renewal updates it; log out removes only its entry', async () => {
    const first = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    const result = await handOffToDocker({ serverAddress: login, username: nullGuid, secret: first }, { persist: true, engine: connection, environment });
    assert.equal(result.persisted, true);
    assert.ok(holds((await auths())[login], nullGuid, first), 'auth.json holds the first login');

    const reference = `${login}/hello:v1`;
    const pulled = await pullImage(connection, reference, { username: nullGuid, password: first, serverAddress: login });
    assert.match(pulled.digest, /^sha256:[a-f0-9]{64}$/);
    const images = await podmanCli('images', '--format', '{{.Repository}}:{{.Tag}}');
    assert.ok(images.output.split('\n').includes(reference), images.output);

    assert.equal((await podmanCli('rmi', '-f', reference)).code, 0);
    const shellPull = await podmanCli('pull', reference);
    assert.equal(shellPull.code, 0, shellPull.output);
    const inspect = await run('skopeo', ['inspect', '--format', '{{.Digest}}', `docker://${reference}`], shellEnv);
    assert.equal(inspect.code, 0, inspect.output);
    assert.equal(inspect.output.trim(), pulled.digest);

    // Someone's own podman login to another registry, in the same file.
    const other = emulator().loginServer('contosonoarm');
    const otherSecret = await refreshToken(other, await entraToken(emulator(), clients.puller, acrScope));
    const theirs = await run('podman', ['--url', podman.host, 'login', '-u', nullGuid, '--password-stdin', other], shellEnv, otherSecret);
    assert.equal(theirs.code, 0, theirs.output);
    assert.ok(holds((await auths())[other], nullGuid, otherSecret), 'podman login wrote the same auth.json');

    const renewed = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    assert.notEqual(renewed, first);
    await handOffToDocker({ serverAddress: login, username: nullGuid, secret: renewed }, { persist: true, engine: connection, environment, replacing: { serverAddress: login, username: nullGuid, secret: first } });
    assert.ok(holds((await auths())[login], nullGuid, renewed), 'auth.json holds the renewed login');
    const afterRenewal = await run('skopeo', ['inspect', '--format', '{{.Digest}}', `docker://${reference}`], shellEnv);
    assert.equal(afterRenewal.code, 0, afterRenewal.output);

    assert.equal(await withdrawFromDocker({ serverAddress: login, username: nullGuid, secret: renewed }, environment), 'removed');
    const left = await auths();
    assert.ok(!(login in left), 'our entry is gone');
    assert.deepEqual(Object.keys(left), [other]);
    assert.ok(holds(left[other], nullGuid, otherSecret), "the other registry's podman login is kept");
    const refused = await run('skopeo', ['inspect', `docker://${reference}`], shellEnv);
    assert.notEqual(refused.code, 0, refused.output);
  });
});
