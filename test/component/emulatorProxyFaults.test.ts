import assert from 'node:assert/strict';
import { RunningEmulator } from '../world/emulator';
import { accessToken, acrScope, clients, entraToken, refreshToken, useEmulator } from './emulatorSupport';

describe('emulator: faults on the /v2 path proxied to the registry, seen through fetch', () => {
  const emulator = useEmulator();
  let catalogUrl: string;
  let authorization: string;
  const catalog = { repositories: ['hello', 'team/api', 'team/web'] };
  const fault = (spec: Omit<Parameters<RunningEmulator['client']['addFault']>[0], 'server' | 'path'>): Promise<number> =>
    emulator().client.addFault({ server: 'registry:contosoapps', path: '^/v2/_catalog$', ...spec });
  const getCatalog = (signal?: AbortSignal): Promise<Response> => fetch(catalogUrl, { headers: { authorization }, signal });

  before(async () => {
    const login = emulator().loginServer('contosoapps');
    catalogUrl = `https://${login}/v2/_catalog`;
    const acrRefreshToken = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    authorization = `Bearer ${await accessToken(login, acrRefreshToken, ['registry:catalog:*'])}`;
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  it('answers with the status and Retry-After it names, once, and then the registry answers again', async () => {
    await fault({ mode: 'status', status: 429, retryAfter: 12, times: 1 });
    const throttled = await getCatalog();
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '12');
    assert.deepEqual(await throttled.json(), { errors: [{ code: 'TOOMANYREQUESTS', message: 'status 429 injected by a fault', detail: null }] });
    const next = await getCatalog();
    assert.equal(next.status, 200);
    assert.deepEqual(await next.json(), catalog);
  });

  it('resets the connection', async () => {
    await fault({ mode: 'reset' });
    await assert.rejects(getCatalog(), (error: Error & { cause?: { code?: string } }) => error.message === 'fetch failed' && error.cause?.code === 'ECONNRESET');
  });

  it('hangs without sending headers until the client gives up', async () => {
    await fault({ mode: 'hang' });
    await assert.rejects(getCatalog(AbortSignal.timeout(700)), (error: Error) => error.name === 'TimeoutError');
    const entry = (await emulator().client.log()).filter((candidate) => candidate.path === '/v2/_catalog').pop();
    assert.equal(entry?.fault, 'hang');
    assert.equal(entry?.status, undefined);
  });

  it('sends 200 with a body that is not JSON', async () => {
    await fault({ mode: 'malformedBody' });
    const response = await getCatalog();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    await assert.rejects(response.json(), SyntaxError);
  });

  it('answers slowly with the real registry answer', async () => {
    await fault({ mode: 'slow', delayMs: 600 });
    const started = Date.now();
    const response = await getCatalog();
    assert.ok(Date.now() - started >= 600, `answered after ${Date.now() - started} ms`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), catalog);
  });
});
