import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { handOffToDocker } from '../../src/docker/handoff';
import { PullCredential, pullImage } from '../../src/docker/pull';
import { adviceFor } from '../../src/failures';
import { ControllableDockerEngine, startControllableDockerEngine } from '../world/dockerEngine';
import { accessToken, acrScope, clients, entraToken, nullGuid, refreshToken, useEmulator } from './emulatorSupport';
import { eventually } from '../world/eventually';
import { rejection } from '../world/rejection';

const run = promisify(execFile);

/**
 * The Docker engine going wrong under the extension (issue #12 point 6): killed mid-pull, restarted between
 * login and pull, a DOCKER_HOST socket that is not one, a DOCKER_HOST port nothing listens on. A private
 * dockerd, so killing it disturbs nobody.
 */
describe('engine faults: a private dockerd killed, frozen and restarted under the extension', () => {
  let engine: ControllableDockerEngine;
  const emulator = useEmulator();
  let connection: DockerEngineConnection;
  let dir: string;
  let login: string;
  let puller: PullCredential;
  let layers: string[];
  const reference = (): string => `${login}/enginefaults/app:1`;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: join(dir, 'docker-config') });
  const imageExists = (): Promise<boolean> =>
    run('docker', ['image', 'inspect', reference()], { env: env() }).then(
      () => true,
      () => false,
    );
  const removeImage = (): Promise<unknown> => run('docker', ['image', 'rm', '-f', reference()], { env: env() }).catch(() => undefined);
  const blobRequests = async (): Promise<number> => (await emulator().client.log()).filter((entry) => layers.some((digest) => entry.path.endsWith(`/blobs/${digest}`))).length;
  /** Holds back every layer's answer, so a pull is surely in flight while the engine is hurt. */
  const holdLayers = (): Promise<number> => emulator().client.addFault({ server: 'registry:contosoapps', method: 'GET', path: `/blobs/(${layers.join('|')})$`, mode: 'slow', delayMs: 5_000 });

  /** A dockerd of the test's own, for a test that kills or freezes it; stopped afterwards whatever happened. */
  const withOwnEngine = async (test: (own: ControllableDockerEngine, connection: DockerEngineConnection) => Promise<void>): Promise<void> => {
    const own = await startControllableDockerEngine();
    try {
      await test(own, await connectDockerEngine({ env: { ...env(), DOCKER_HOST: own.host }, platform: process.platform }));
    } finally {
      await own.stop();
    }
  };

  /** Pushes a two-layer image (tars of random bytes) through the registry API as the pusher. */
  const pushTwoLayers = async (): Promise<string[]> => {
    const token = await accessToken(login, await refreshToken(login, await entraToken(emulator(), clients.pusher, acrScope)), ['repository:enginefaults/app:pull,push']);
    const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const upload = async (blob: Buffer): Promise<string> => {
      const started = await fetch(`https://${login}/v2/enginefaults/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(started.status, 202);
      const location = new URL(started.headers.get('location') ?? '', `https://${login}`);
      location.searchParams.set('digest', sha256(blob));
      const put = await fetch(location, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(blob) });
      assert.equal(put.status, 201, await put.text());
      return sha256(blob);
    };
    const tars: Buffer[] = [];
    for (const name of ['one', 'two']) {
      await writeFile(join(dir, name), randomBytes(300_000));
      await run('tar', ['-cf', join(dir, `${name}.tar`), '-C', dir, name]);
      tars.push(await readFile(join(dir, `${name}.tar`)));
    }
    const digests: string[] = [];
    for (const tar of tars) digests.push(await upload(tar));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: digests } }));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: await upload(config) },
      layers: tars.map((tar, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: tar.length, digest: digests[i] })),
    });
    const put = await fetch(`https://${login}/v2/enginefaults/app/manifests/1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    assert.equal(put.status, 201, await put.text());
    return digests;
  };

  before(async () => {
    engine = await startControllableDockerEngine();
    dir = await mkdtemp(join(tmpdir(), 'acr-engine-faults-'));
    login = emulator().loginServer('contosoapps');
    puller = { username: nullGuid, password: await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope)), serverAddress: login };
    layers = await pushTwoLayers();
    connection = await connectDockerEngine({ env: env(), platform: process.platform });
  });

  beforeEach(async () => {
    await removeImage();
    await emulator().client.clearLog();
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  after(async () => {
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('engine killed mid-pull: a docker.engineUnavailable error saying the engine went away, long before the caller gives up', async () => {
    await holdLayers();
    const bound = AbortSignal.timeout(60_000);
    let error: unknown;
    await withOwnEngine(async (own, ownConnection) => {
      const pulling = rejection(pullImage(ownConnection, reference(), puller, { signal: bound }));
      await eventually('a layer request', async () => (await blobRequests()) > 0);
      await own.kill();
      error = await pulling;
    });
    assert.equal(bound.aborted, false, 'the pull hung until the caller gave up');
    const advice = adviceFor(error);
    assert.equal(advice.kind, 'docker.engineUnavailable', advice.message);
    assert.equal(advice.nextStep, 'startDocker');
    assert.match(advice.message, /closed the connection before the pull finished.*Start Docker/);
    assert.ok(!advice.message.includes(puller.password), 'the message holds the credential');
  });

  it('engine frozen mid-pull: cancelling rejects at once with the reason, and a frozen engine alone ends as a stalled pull', async () => {
    await holdLayers();
    await withOwnEngine(async (own, ownConnection) => {
      const controller = new AbortController();
      const reason = new Error('cancelled by the user');
      const cancelled = rejection(pullImage(ownConnection, reference(), puller, { signal: controller.signal }));
      await eventually('a layer request', async () => (await blobRequests()) > 0);
      process.kill(own.pid(), 'SIGSTOP');
      try {
        controller.abort(reason);
        assert.equal(await cancelled, reason);

        // Not cancelled: the engine's silence ends the pull with its own bound (injected small here).
        const stalled = await rejection(pullImage(ownConnection, reference(), puller, { stallTimeoutMs: 1_000 }));
        const advice = adviceFor(stalled);
        assert.equal(advice.kind, 'docker.pullStalled', advice.message);
        assert.equal(advice.nextStep, 'retry');
      } finally {
        process.kill(own.pid(), 'SIGCONT');
      }
    });
  });

  it('engine restarted between login and pull: the pull goes through on the same connection, with the credential passed again', async () => {
    const configDir = join(dir, 'docker-config');
    const handedOff = await handOffToDocker({ serverAddress: login, username: nullGuid, secret: puller.password }, { persist: true, engine: connection, environment: { env: env() } });
    assert.equal(handedOff.persisted, true);

    await engine.kill();
    await engine.start();

    const result = await pullImage(connection, reference(), puller, { signal: AbortSignal.timeout(60_000) });
    assert.equal(result.reference, reference());
    assert.ok(await imageExists(), 'the image did not land');
    // The saved credential outlived the engine: the docker CLI still finds it.
    const saved = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8')) as { auths?: Record<string, unknown> };
    assert.ok(saved.auths?.[login], 'the saved credential is gone');
  });

  it('engine killed and not restarted: login says the engine cannot be reached, names where it looked, and writes nothing', async () => {
    const configDir = join(dir, 'docker-config-untouched');
    let error: unknown;
    await withOwnEngine(async (own, ownConnection) => {
      await own.kill();
      error = await rejection(
        handOffToDocker({ serverAddress: login, username: nullGuid, secret: puller.password }, { persist: true, engine: ownConnection, environment: { env: { ...env(), DOCKER_CONFIG: configDir } } }),
      );
    });
    const advice = adviceFor(error);
    assert.equal(advice.kind, 'docker.engineUnavailable', advice.message);
    assert.match(advice.message, /nothing is listening there|ECONNREFUSED|ENOENT/);
    assert.ok(!advice.message.includes(puller.password));
    await assert.rejects(readFile(join(configDir, 'config.json')), { code: 'ENOENT' });
  });

  it('DOCKER_HOST naming a file that is not a socket: docker.engineUnavailable naming DOCKER_HOST, at once', async () => {
    const notASocket = join(dir, 'not-a-socket');
    await writeFile(notASocket, 'plain file');
    const error = await rejection(connectDockerEngine({ env: { DOCKER_HOST: `unix://${notASocket}` }, platform: process.platform }));
    const advice = adviceFor(error);
    assert.equal(advice.kind, 'docker.engineUnavailable', advice.message);
    assert.match(advice.message, new RegExp(`Cannot reach the Docker engine at unix://${notASocket} \\(nothing is listening there\\)\\. Looked at: DOCKER_HOST=unix://${notASocket}\\.`));
  });

  it('socket the user may not open (not in the docker group): docker.engineUnavailable saying to join the docker group, at once', async () => {
    // A listening socket no one but root may open; the check runs in a process that has root's uid but not
    // its right to pass over file permissions, as a user outside the docker group would.
    const { createServer } = await import('node:net');
    const socket = join(dir, 'denied.sock');
    const server = createServer((connection) => connection.destroy());
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      await chmod(socket, 0o000);
      const check = `
        const { connectDockerEngine } = require(${JSON.stringify(join(__dirname, '../../src/docker/engine.ts'))});
        const { adviceFor } = require(${JSON.stringify(join(__dirname, '../../src/failures.ts'))});
        connectDockerEngine({ env: { DOCKER_HOST: 'unix://${socket}' }, platform: process.platform })
          .then(() => 'connected', adviceFor)
          .then((outcome) => console.log(JSON.stringify(outcome)));`;
      const { stdout } = await run('setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, '--import', 'tsx', '-e', check], {
        cwd: join(__dirname, '../..'),
      });
      const advice = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { kind?: string; message?: string };
      assert.equal(advice.kind, 'docker.engineUnavailable', stdout);
      assert.match(advice.message ?? '', new RegExp(`Cannot reach the Docker engine at unix://${socket} \\(permission denied; add your user to the docker group \\(\`sudo usermod -aG docker \\$USER\`\\), then sign in again\\)`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('DOCKER_HOST naming a TCP port nothing listens on: docker.engineUnavailable, at once', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const error = await rejection(connectDockerEngine({ env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` }, platform: process.platform }));
    const advice = adviceFor(error);
    assert.equal(advice.kind, 'docker.engineUnavailable', advice.message);
    assert.match(advice.message, new RegExp(`tcp://127\\.0\\.0\\.1:${port} \\(nothing is listening there\\)`));
  });
});
