import assert from 'node:assert/strict';
import { FaultSpec } from '../world/emulator';
import { Caller, callerOf, pushImage } from './emulatorRegistrySupport';
import { clients, useEmulator } from './emulatorSupport';

interface DataPlaneRoute {
  method: 'GET' | 'DELETE';
  /** The request, with `<digest>` standing for the target image's digest. */
  path: string;
  /** The fault's path pattern. */
  pattern: string;
  scopes: string[];
}

const repository = 'faults/target';
const routes: DataPlaneRoute[] = [
  { method: 'GET', path: '/acr/v1/_catalog?n=2', pattern: '^/acr/v1/_catalog$', scopes: ['registry:catalog:*'] },
  { method: 'GET', path: '/v2/_catalog?n=2', pattern: '^/v2/_catalog$', scopes: ['registry:catalog:*'] },
  { method: 'GET', path: `/acr/v1/${repository}/_tags?orderby=timedesc&n=10`, pattern: `^/acr/v1/${repository}/_tags$`, scopes: [`repository:${repository}:metadata_read`] },
  { method: 'GET', path: `/acr/v1/${repository}/_manifests?n=10`, pattern: `^/acr/v1/${repository}/_manifests$`, scopes: [`repository:${repository}:metadata_read`] },
  { method: 'GET', path: `/v2/${repository}/manifests/keep`, pattern: `^/v2/${repository}/manifests/`, scopes: [`repository:${repository}:pull`] },
  { method: 'DELETE', path: `/acr/v1/${repository}/_tags/keep`, pattern: `^/acr/v1/${repository}/_tags/`, scopes: [`repository:${repository}:delete`] },
  { method: 'DELETE', path: `/acr/v1/${repository}`, pattern: `^/acr/v1/${repository}$`, scopes: [`repository:${repository}:delete`] },
  { method: 'DELETE', path: `/v2/${repository}/manifests/<digest>`, pattern: `^/v2/${repository}/manifests/`, scopes: [`repository:${repository}:delete`] },
];

/**
 * The fault book on every data-plane route the registry tree calls: a status with and without Retry-After,
 * a hang, a reset and a malformed body, each instead of the route (a delete under a fault deletes nothing).
 */
describe('emulator: faults on the data-plane routes of the registry tree', () => {
  const emulator = useEmulator();
  let owner: Caller;
  let digest: string;

  before(async () => {
    owner = await callerOf(emulator(), 'contosoapps', clients.owner);
    digest = (await pushImage(emulator(), 'contosoapps', owner, repository, ['keep', 'other'])).digest;
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  const call = async (route: DataPlaneRoute, signal?: AbortSignal): Promise<Response> =>
    fetch(`https://${emulator().loginServer('contosoapps')}${route.path.replace('<digest>', digest)}`, {
      method: route.method,
      headers: { authorization: await owner.authorization(route.scopes), accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      signal,
    });
  const fault = (route: DataPlaneRoute, spec: Omit<FaultSpec, 'server' | 'method' | 'path'>): Promise<number> =>
    emulator().client.addFault({ server: 'registry:contosoapps', method: route.method, path: route.pattern, ...spec });
  const targetTags = async (): Promise<string[]> => {
    const response = await fetch(`https://${emulator().loginServer('contosoapps')}/v2/${repository}/tags/list`, { headers: { authorization: await owner.authorization([`repository:${repository}:pull`]) } });
    return ((await response.json()) as { tags: string[] }).tags;
  };

  for (const route of routes) {
    describe(`${route.method} ${route.path.replace(/\?.*/, '')}`, () => {
      if (route.method === 'DELETE') {
        afterEach(async () => {
          assert.deepEqual(await targetTags(), ['keep', 'other'], 'the delete did not happen');
        });
      }

      it('answers a status with Retry-After, in ACR error shape', async () => {
        await fault(route, { mode: 'status', status: 429, retryAfter: 7 });
        const response = await call(route);
        assert.equal(response.status, 429);
        assert.equal(response.headers.get('retry-after'), '7');
        assert.deepEqual(await response.json(), { errors: [{ code: 'TOOMANYREQUESTS', message: 'status 429 injected by a fault', detail: null }] });
      });

      it('answers a status without Retry-After', async () => {
        await fault(route, { mode: 'status', status: 503 });
        const response = await call(route);
        assert.equal(response.status, 503);
        assert.equal(response.headers.get('retry-after'), null);
        assert.equal(((await response.json()) as { errors: Array<{ code: string }> }).errors[0].code, 'UNAVAILABLE');
      });

      it('hangs until the client gives up', async () => {
        await fault(route, { mode: 'hang' });
        await assert.rejects(call(route, AbortSignal.timeout(500)), (error: Error) => error.name === 'TimeoutError');
        const entry = (await emulator().client.log()).filter((candidate) => candidate.method === route.method && new RegExp(route.pattern).test(candidate.path)).pop();
        assert.deepEqual([entry?.fault, entry?.status], ['hang', undefined]);
      });

      it('resets the connection', async () => {
        await fault(route, { mode: 'reset' });
        await assert.rejects(call(route), (error: Error & { cause?: { code?: string; message?: string } }) => error.cause?.code === 'ECONNRESET' || /other side closed|socket/i.test(error.cause?.message ?? ''));
      });

      it('sends 200 with a body that is not JSON', async () => {
        await fault(route, { mode: 'malformedBody' });
        const response = await call(route);
        assert.equal(response.status, 200);
        await assert.rejects(response.json(), SyntaxError);
      });
    });
  }

  it('hits only the route it names: the others answer as usual', async () => {
    await fault(routes[2], { mode: 'status', status: 500 });
    assert.equal((await call(routes[2])).status, 500);
    for (const route of [routes[0], routes[3], routes[4]]) assert.equal((await call(route)).status, 200, route.path);
  });

  it('can hit one page only, by its query', async () => {
    await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/acr/v1/_catalog$', query: '(^|&)last=', mode: 'status', status: 503 });
    const first = await call(routes[0]);
    assert.equal(first.status, 200);
    const link = /^<([^>]+)>/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(link);
    assert.equal((await call({ ...routes[0], path: link })).status, 503);
  });
});
