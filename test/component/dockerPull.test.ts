import assert from 'node:assert/strict';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { RegistryLoginRefusedError } from '../../src/docker/errors';
import { ImagePullError, pullImage, PullProgress } from '../../src/docker/pull';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { acrScope, assertCaTrusted, clients, componentFixture, entraToken, nullGuid, refreshToken } from './emulatorSupport';

describe('docker pull with credentials per request (X-Registry-Auth), nothing stored', () => {
  let engine: DockerEngine;
  let emulator: RunningEmulator;
  let connection: DockerEngineConnection;
  let login: string;
  let refresh: string;
  const pulled = new Set<string>();

  const removeImage = async (reference: string): Promise<void> => {
    await connection.docker
      .getImage(reference)
      .remove({ force: true })
      .catch(() => undefined);
  };
  const imageExists = (reference: string): Promise<boolean> =>
    connection.docker
      .getImage(reference)
      .inspect()
      .then(
        () => true,
        () => false,
      );

  before(async () => {
    engine = await startDockerEngine();
    emulator = await startEmulator({ fixture: componentFixture });
    assertCaTrusted(emulator);
    login = emulator.loginServer('contosoapps');
    refresh = await refreshToken(login, await entraToken(emulator, clients.puller, acrScope));
    connection = await connectDockerEngine({ env: { ...process.env, DOCKER_HOST: engine.host }, platform: process.platform });
  });

  after(async () => {
    if (connection) for (const reference of pulled) await removeImage(reference);
    await emulator?.stop();
    await engine?.stop();
  });

  it('pulls a seeded image with the null GUID and a refresh token, reporting progress', async () => {
    const reference = `${login}/team/web:2.0`;
    await removeImage(reference);
    pulled.add(reference);
    const events: PullProgress[] = [];
    await pullImage(connection, reference, { serverAddress: login, username: nullGuid, secret: refresh }, { onProgress: (event) => events.push(event) });
    assert.ok(await imageExists(reference));
    assert.ok(events.some((event) => /Pulling from team\/web/.test(event.status)), JSON.stringify(events));
    assert.ok(events.some((event) => /Downloaded newer image|Image is up to date/.test(event.status)), JSON.stringify(events));
  });

  it('is refused with the registry message when the secret is wrong, and pulls nothing', async () => {
    const reference = `${login}/team/api:1.1`;
    await removeImage(reference);
    const wrong = 'not-a-refresh-token';
    await assert.rejects(pullImage(connection, reference, { serverAddress: login, username: nullGuid, secret: wrong }), (error: unknown) => {
      assert.ok(error instanceof RegistryLoginRefusedError, String(error));
      assert.ok(!error.message.includes(wrong));
      return true;
    });
    assert.equal(await imageExists(reference), false);
  });

  it('says which image when the tag does not exist', async () => {
    await assert.rejects(pullImage(connection, `${login}/hello:no-such-tag`, { serverAddress: login, username: nullGuid, secret: refresh }), (error: unknown) => {
      assert.ok(error instanceof ImagePullError, String(error));
      assert.match(error.message, new RegExp(`^Pulling ${login}/hello:no-such-tag failed: .*(manifest unknown|not found)`));
      return true;
    });
  });

  it('stops when cancelled: the promise rejects with the abort reason and no progress follows', async () => {
    const reference = `${login}/team/api:1.0`;
    await removeImage(reference);
    pulled.add(reference);
    const controller = new AbortController();
    let afterAbort = 0;
    const pulling = pullImage(
      connection,
      reference,
      { serverAddress: login, username: nullGuid, secret: refresh },
      {
        signal: controller.signal,
        onProgress: () => {
          if (controller.signal.aborted) afterAbort++;
          else controller.abort(new Error('cancelled by the user'));
        },
      },
    );
    await assert.rejects(pulling, /cancelled by the user/);
    assert.equal(afterAbort, 0);
  });

  it('refuses a reference on another registry than the credential is for', async () => {
    await assert.rejects(pullImage(connection, 'other.azurecr.io/hello:v1', { serverAddress: login, username: nullGuid, secret: refresh }), /is not on .*; pull it with that registry's credentials/);
  });
});
