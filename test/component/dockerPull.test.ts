import Docker from 'dockerode';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectDockerEngine, discoverEngine, DockerEngineConnection, dockerodeOptions } from '../../src/docker/engine';
import { DockerEngineUnavailableError, ImagePullError, InvalidReferenceError, RegistryLoginRefusedError } from '../../src/docker/errors';
import { PullCredential, pullImage, PullProgress, pullWithRenewal } from '../../src/docker/pull';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { LogEntry } from '../world/emulator';
import { accessToken, acrScope, clients, entraToken, nullGuid, refreshToken, useEmulator } from './emulatorSupport';
import { eventually } from '../world/eventually';

const run = promisify(execFile);

interface PushedImage {
  readonly digest: string;
  readonly layerDigests: readonly string[];
  readonly layerSizes: readonly number[];
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

describe('docker pull through the engine, the credential passed per request (X-Registry-Auth)', () => {
  let engine: DockerEngine;
  const emulator = useEmulator();
  let connection: DockerEngineConnection;
  let dir: string;
  let emptyDockerConfig: string;
  let login: string;
  let puller: PullCredential;
  let pusherRefresh: string;
  const pulled = new Set<string>();
  // Made once: random layers, two shared by a base and an app image, and three large ones (no more than the
  // engine downloads at once, so none waits for a turn) for cancelling.
  let base: PushedImage;
  let app: PushedImage;
  let big: PushedImage;

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: emptyDockerConfig });
  const imageExists = (reference: string): Promise<boolean> =>
    run('docker', ['image', 'inspect', reference], { env: env() }).then(
      () => true,
      () => false,
    );
  /** Removes any local copy, so the engine really fetches from the registry. */
  const removeImage = async (reference: string): Promise<void> => {
    await run('docker', ['image', 'rm', '-f', reference], { env: env() }).catch(() => undefined);
  };
  const freshPull = async (reference: string): Promise<string> => {
    await removeImage(reference);
    pulled.add(reference);
    return reference;
  };
  const blobRequests = async (image: PushedImage): Promise<LogEntry[]> =>
    (await emulator().client.log()).filter((entry) => entry.method === 'GET' && image.layerDigests.some((digest) => entry.path.endsWith(`/blobs/${digest}`)));

  /** A tar of one file of random bytes: an image layer the engine can unpack. */
  const randomLayer = async (name: string, size: number): Promise<Buffer> => {
    const file = join(dir, name);
    await writeFile(file, randomBytes(size));
    await run('tar', ['-cf', `${file}.tar`, '-C', dir, name]);
    const layer = await readFile(`${file}.tar`);
    await Promise.all([rm(file), rm(`${file}.tar`)]);
    return layer;
  };

  /** Pushes an OCI image with uncompressed layers through the registry API, as the pusher identity. */
  const pushImage = async (repository: string, tag: string, layers: readonly Buffer[]): Promise<PushedImage> => {
    const token = await accessToken(login, pusherRefresh, [`repository:${repository}:pull,push`]);
    const call = async (method: string, path: string, body?: Buffer, contentType?: string): Promise<Response> => {
      const response = await fetch(new URL(path, `https://${login}`), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
        ...(body ? { body: new Uint8Array(body) } : {}),
      });
      assert.ok(response.status === 201 || response.status === 202, `${method} ${path}: ${response.status} ${await response.text()}`);
      return response;
    };
    const upload = async (blob: Buffer): Promise<string> => {
      const digest = sha256(blob);
      const started = await call('POST', `/v2/${repository}/blobs/uploads/`);
      const location = new URL(started.headers.get('location') ?? '', `https://${login}`);
      location.searchParams.set('digest', digest);
      await call('PUT', `${location.pathname}${location.search}`, blob, 'application/octet-stream');
      return digest;
    };
    const layerDigests: string[] = [];
    for (const layer of layers) layerDigests.push(await upload(layer));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layerDigests } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: await upload(config) },
        layers: layers.map((layer, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: layer.length, digest: layerDigests[i] })),
      }),
    );
    await call('PUT', `/v2/${repository}/manifests/${tag}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
    return { digest: sha256(manifest), layerDigests, layerSizes: layers.map((layer) => layer.length) };
  };

  before(async () => {
    engine = await startDockerEngine();
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-pull-'));
    emptyDockerConfig = await mkdtemp(join(tmpdir(), 'acr-empty-docker-config-'));
    login = emulator().loginServer('contosoapps');
    puller = { username: nullGuid, password: await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope)), serverAddress: login };
    pusherRefresh = await refreshToken(login, await entraToken(emulator(), clients.pusher, acrScope));
    connection = await connectDockerEngine({ env: env(), platform: process.platform });

    const shared = [await randomLayer('shared-1', 1_000_000), await randomLayer('shared-2', 1_500_000)];
    base = await pushImage('pulltest/base', '1', shared);
    app = await pushImage('pulltest/app', '1', [...shared, await randomLayer('app', 2_000_000)]);
    const large: Buffer[] = [];
    for (let i = 1; i <= 3; i++) large.push(await randomLayer(`big-${i}`, 32_000_000));
    big = await pushImage('pulltest/big', '1', large);
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  after(async () => {
    if (engine) for (const reference of pulled) await removeImage(reference);
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (emptyDockerConfig) await rm(emptyDockerConfig, { recursive: true, force: true });
  });

  it('lands the image with an ACR refresh token and the null GUID, with nothing saved in the docker config', async () => {
    const reference = await freshPull(`${login}/team/web:2.0`);

    const result = await pullImage(connection, reference, puller);

    assert.equal(result.reference, reference);
    assert.match(result.digest, /^sha256:[a-f0-9]{64}$/);
    pulled.add(`${login}/team/web@${result.digest}`);
    const inspected = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', `${login}/team/web@${result.digest}`], { env: env() });
    assert.deepEqual(JSON.parse(inspected.stdout), [`${login}/team/web@${result.digest}`]);
    assert.deepEqual(await readdir(emptyDockerConfig), []);
  });

  it('pulls by digest and reports the digest it was given', async () => {
    const reference = await freshPull(`${login}/pulltest/base@${base.digest}`);

    const result = await pullImage(connection, reference, puller);

    assert.deepEqual(result, { reference, digest: base.digest });
    assert.ok(await imageExists(reference));
  });

  it('reports progress that never goes back and ends with every layer done, counting layers the engine already had', async () => {
    await removeImage(`${login}/pulltest/app:1`);
    await removeImage(`${login}/pulltest/base@${base.digest}`);
    const reports: { base: PullProgress[]; app: PullProgress[] } = { base: [], app: [] };

    await pullImage(connection, await freshPull(`${login}/pulltest/base:1`), puller, { onProgress: (progress) => reports.base.push(progress) });
    // Two of the app's three layers are the base's: the engine says "Already exists" for them.
    await pullImage(connection, await freshPull(`${login}/pulltest/app:1`), puller, { onProgress: (progress) => reports.app.push(progress) });

    for (const [name, list] of Object.entries(reports)) {
      assert.ok(list.length > 0, `${name}: no progress`);
      for (let i = 1; i < list.length; i++) {
        for (const key of ['layersDone', 'layersTotal', 'bytesDone', 'bytesTotal'] as const) {
          assert.ok(list[i][key] >= list[i - 1][key], `${name}: ${key} went back: ${JSON.stringify(list)}`);
        }
        assert.ok(list[i].layersDone <= list[i].layersTotal && list[i].bytesDone <= list[i].bytesTotal, `${name}: more done than total: ${JSON.stringify(list[i])}`);
      }
    }
    const baseBytes = base.layerSizes[0] + base.layerSizes[1];
    assert.deepEqual(reports.base.at(-1), { layersDone: 2, layersTotal: 2, bytesDone: baseBytes, bytesTotal: baseBytes });
    assert.ok(reports.base.some((progress) => progress.layersDone < 2), 'a pull of two layers reported them done from the start');
    // Only the app's own layer is downloaded; the two that already exist count as done, with no bytes.
    assert.deepEqual(reports.app.at(-1), { layersDone: 3, layersTotal: 3, bytesDone: app.layerSizes[2], bytesTotal: app.layerSizes[2] });
  });

  it('stops the engine when cancelled: rejects with the reason, no more layer requests, no image', async () => {
    const reference = await freshPull(`${login}/pulltest/big:1`);
    await emulator().client.clearLog();
    // Holding back the layers' answers keeps the pull surely in flight when it is cancelled.
    const holdMs = 2_000;
    await emulator().client.addFault({ server: 'registry:contosoapps', method: 'GET', path: `^/v2/pulltest/big/blobs/(${big.layerDigests.join('|')})$`, mode: 'slow', delayMs: holdMs });
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    const reports: PullProgress[] = [];

    const pulling = pullImage(connection, reference, puller, { signal: controller.signal, onProgress: (progress) => reports.push(progress) });
    await eventually('a request for every layer', async () => (await blobRequests(big)).length === big.layerDigests.length, 60_000);
    controller.abort(reason);
    await assert.rejects(pulling, (error: unknown) => error === reason);
    const reportsAtCancel = reports.length;

    // Engine 20.10 still takes the held answers' headers (its blob requests ignore the cancel), then drops them.
    await eventually('the end of the hold', async () => (await blobRequests(big)).every((entry) => entry.status !== undefined), holdMs + 30_000);
    // An engine still pulling would now download the layers and store the image, or retry a broken download
    // after 5 s: watch for longer than either takes.
    const watchUntil = Date.now() + 8_000;
    while (Date.now() < watchUntil) {
      const requests = await blobRequests(big);
      assert.equal(requests.length, big.layerDigests.length, `the engine asked for layers again after the cancel: ${JSON.stringify(requests)}`);
      assert.equal(await imageExists(reference), false, 'the image landed after the cancel');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(reports.length, reportsAtCancel, 'progress was reported after the cancel');
  });

  it('rejects at once when cancelled before the engine has answered, and no image lands', async () => {
    const reference = await freshPull(`${login}/pulltest/app:1`);
    await emulator().client.clearLog();
    const holdMs = 1_500;
    await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/v2/pulltest/app/manifests/', mode: 'slow', delayMs: holdMs });
    const manifestRequests = async (): Promise<LogEntry[]> => (await emulator().client.log()).filter((entry) => entry.path.startsWith('/v2/pulltest/app/manifests/'));
    const controller = new AbortController();
    const reason = new Error('cancelled while the engine asks for the manifest');

    const pulling = pullImage(connection, reference, puller, { signal: controller.signal });
    await eventually('a manifest request', async () => (await manifestRequests()).length > 0, 60_000);
    controller.abort(reason);
    await assert.rejects(pulling, (error: unknown) => error === reason);

    // Not waiting for the engine's first words: the held manifest request is still unanswered.
    assert.deepEqual(
      (await manifestRequests()).map((entry) => entry.status),
      [undefined],
    );
    // Engine 20.10 goes on to ask for the manifest and layers after a cancel, but drops them: watch until
    // well after an engine still pulling would have stored the image.
    const watchUntil = Date.now() + holdMs + 4_000;
    while (Date.now() < watchUntil) {
      assert.equal(await imageExists(reference), false, 'the image landed after the cancel');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it('rejects with what the progress callback threw, closing the pull it can no longer report', async () => {
    const thrown = new Error('the progress view is gone');

    await assert.rejects(
      pullImage(connection, await freshPull(`${login}/pulltest/app:1`), puller, {
        onProgress: () => {
          throw thrown;
        },
      }),
      (error: unknown) => error === thrown,
    );
  });

  it('rejects at once with the reason when the signal was already aborted, asking nothing of the registry', async () => {
    await emulator().client.clearLog();
    const reason = new Error('cancelled before it started');

    await assert.rejects(pullImage(connection, `${login}/hello:v1`, puller, { signal: AbortSignal.abort(reason) }), (error: unknown) => error === reason);

    // Only hello's requests count: the engine may still be fetching layers of an earlier test's pull it dropped.
    assert.deepEqual((await emulator().client.log()).filter((entry) => entry.path.includes('/hello/')), []);
  });

  it('renews once when the registry refuses an expired credential, then lands the image', async () => {
    const reference = await freshPull(`${login}/team/api:1.1`);
    await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'expiredJwt', times: 1 });
    const expired: PullCredential = { ...puller, password: await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope)) };
    const asked: boolean[] = [];

    const reports: PullProgress[] = [];

    const result = await pullWithRenewal(
      connection,
      reference,
      (fresh) => {
        asked.push(fresh);
        return Promise.resolve(fresh ? puller : expired);
      },
      { onProgress: (progress) => reports.push(progress) },
    );

    assert.deepEqual(asked, [false, true]);
    assert.equal(result.reference, reference);
    assert.ok(await imageExists(reference));
    assert.deepEqual(reports.at(-1), { layersDone: 1, layersTotal: 1, bytesDone: reports.at(-1)?.bytesTotal, bytesTotal: reports.at(-1)?.bytesTotal });
  });

  it('gives the error the engine reports mid-pull as ImagePullError in its words, without asking for a fresh credential', async () => {
    const reference = await freshPull(`${login}/pulltest/app:1`);
    // A layer whose bytes are not what its digest says: the engine fails the pull after it has started.
    await emulator().client.addFault({ server: 'registry:contosoapps', method: 'GET', path: `/blobs/${app.layerDigests[2]}$`, mode: 'malformedBody' });
    const asked: boolean[] = [];
    const reports: PullProgress[] = [];

    const pulling = pullWithRenewal(
      connection,
      reference,
      (fresh) => {
        asked.push(fresh);
        return Promise.resolve(puller);
      },
      { onProgress: (progress) => reports.push(progress) },
    );

    await assert.rejects(pulling, (error: unknown) => {
      assert.ok(error instanceof ImagePullError, String(error));
      assert.equal(error.message, `Docker could not pull ${reference}: filesystem layer verification failed for digest ${app.layerDigests[2]}`);
      return true;
    });
    assert.deepEqual(asked, [false]);
    assert.ok(reports.length > 0, 'the failure came before the pull had started');
    assert.equal(await imageExists(reference), false);
  });

  it('asks for a fresh credential no more than once, and not at all for a failure that is not about credentials', async () => {
    const refused: PullCredential = { ...puller, password: 'not-an-acr-refresh-token' };
    const asked: boolean[] = [];
    await assert.rejects(
      pullWithRenewal(connection, await freshPull(`${login}/team/api:1.0`), (fresh) => {
        asked.push(fresh);
        return Promise.resolve(refused);
      }),
      RegistryLoginRefusedError,
    );
    assert.deepEqual(asked, [false, true]);

    asked.length = 0;
    await assert.rejects(
      pullWithRenewal(connection, `${login}/hello:no-such-tag`, (fresh) => {
        asked.push(fresh);
        return Promise.resolve(puller);
      }),
      (error: unknown) => {
        assert.ok(error instanceof ImagePullError, String(error));
        assert.match(error.message, new RegExp(`^Docker could not pull ${login}/hello:no-such-tag: .*manifest unknown`));
        return true;
      },
    );
    assert.deepEqual(asked, [false]);
  });

  it('gives RegistryLoginRefusedError without the secret when the registry refuses the credential, and pulls nothing', async () => {
    const reference = await freshPull(`${login}/team/web:2.0`);
    const secret = 'not-an-acr-refresh-token';
    for (const [credential, registryWords] of [
      [{ username: nullGuid, password: secret, serverAddress: login }, /unauthorized: invalid credentials/],
      [{ username: clients.nobody.clientId, password: clients.nobody.secret, serverAddress: login }, /unauthorized: nobody has no permission/],
      // A repository-scoped token that does not cover this repository.
      [{ username: 'hellopuller', password: 'hello-token-password', serverAddress: login }, /denied: requested access to the resource is denied/],
    ] as const) {
      await assert.rejects(pullImage(connection, reference, credential), (error: unknown) => {
        assert.ok(error instanceof RegistryLoginRefusedError, String(error));
        assert.equal(error.serverAddress, login);
        assert.match(error.message, registryWords);
        assert.ok(!error.message.includes(credential.password), error.message);
        return true;
      });
    }
    assert.equal(await imageExists(reference), false);
  });

  it('refuses a reference that does not parse, or is on another registry than the credential, before any request', async () => {
    await emulator().client.clearLog();

    await assert.rejects(pullImage(connection, `${login}/Team/API:1.0`, puller), (error: unknown) => error instanceof InvalidReferenceError && /repository names are lower case/.test(error.message));
    await assert.rejects(pullImage(connection, 'other.azurecr.io/hello:v1', puller), (error: unknown) => error instanceof InvalidReferenceError && /is not on .*; pull it with that registry's credentials/.test(error.message));

    assert.deepEqual(await emulator().client.log(), []);
  });

  it('says the engine cannot be reached when nothing listens at DOCKER_HOST', async () => {
    const location = await discoverEngine({ env: { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` }, platform: process.platform });
    const absent: DockerEngineConnection = { docker: new Docker(await dockerodeOptions(location)), location };

    await assert.rejects(pullImage(absent, `${login}/hello:v1`, puller), (error: unknown) => {
      assert.ok(error instanceof DockerEngineUnavailableError, String(error));
      assert.match(error.message, /^Cannot reach the Docker engine at unix:\/\/.*no-engine\.sock \(nothing is listening there\)\. Looked at: DOCKER_HOST=.*\. Start Docker/);
      assert.ok(!error.message.includes(puller.password));
      return true;
    });
  });

  it('says the engine cannot be reached when the connection to it breaks mid-pull', async () => {
    const reference = await freshPull(`${login}/pulltest/big:1`);
    await emulator().client.addFault({ server: 'registry:contosoapps', method: 'GET', path: `^/v2/pulltest/big/blobs/(${big.layerDigests.join('|')})$`, mode: 'slow', delayMs: 2_000 });
    // A relay in front of the real engine stands for an engine that goes away: it cuts every connection.
    const target = await dockerodeOptions(connection.location);
    const relayed = new Set<Socket>();
    const relay: Server = createServer((client) => {
      const upstream = target.socketPath ? createConnection(target.socketPath) : createConnection(Number(target.port), String(target.host));
      relayed.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const cut = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', cut).on('close', cut);
      upstream.on('error', cut).on('close', cut);
    });
    const relaySocket = join(dir, 'relay.sock');
    await new Promise<void>((resolve) => relay.listen(relaySocket, resolve));
    try {
      const location = await discoverEngine({ env: { DOCKER_HOST: `unix://${relaySocket}` }, platform: process.platform });
      const throughRelay: DockerEngineConnection = { docker: new Docker(await dockerodeOptions(location)), location };
      let cut = false;

      const pulling = pullImage(throughRelay, reference, puller, {
        onProgress: () => {
          if (cut) return;
          cut = true;
          for (const socket of relayed) socket.destroy();
        },
      });

      await assert.rejects(pulling, (error: unknown) => {
        assert.ok(error instanceof DockerEngineUnavailableError, String(error));
        assert.match(error.message, /^Cannot reach the Docker engine at unix:\/\/.*relay\.sock/);
        return true;
      });
      assert.ok(cut);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});
