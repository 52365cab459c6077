import assert from 'node:assert/strict';
import { generatedTagNames } from '../emulator/seed';
import { Caller, callerOf } from './emulatorRegistrySupport';
import { clients, useEmulator } from './emulatorSupport';

/**
 * The scale registry of the component fixture (contososcale): 10,000 repositories `svc/app-00001` ..
 * `svc/app-10000` and `big/tags` with 5,000 tags pushed a minute apart, all stored in the real registry.
 * Read-only here; changes are in emulatorScaleWrites.test.ts.
 */
describe('emulator: paging like ACR over 10,000 repositories and 5,000 tags', () => {
  const emulator = useEmulator();
  let base: string;
  let puller: Caller;
  const pushOrder = generatedTagNames(5000);
  const allRepositories = ['big/tags', ...Array.from({ length: 10000 }, (_, i) => `svc/app-${String(i + 1).padStart(5, '0')}`)];

  before(async () => {
    base = `https://${emulator().loginServer('contososcale')}`;
    puller = await callerOf(emulator(), 'contososcale', clients.puller);
  });

  const get = async (path: string, scopes: string[], headers: Record<string, string> = {}): Promise<Response> => {
    const response = await fetch(new URL(path, base), { headers: { ...headers, authorization: await puller.authorization(scopes) } });
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
    return response;
  };
  const catalogScope = ['registry:catalog:*'];
  const tagsScope = ['repository:big/tags:metadata_read'];
  /** The target of a `Link: <...>; rel="next"` header, which must be relative. */
  const next = (response: Response): string | undefined => {
    const link = response.headers.get('link');
    if (!link) return undefined;
    const match = /^<(\/[^>]*)>; rel="next"$/.exec(link);
    assert.ok(match, `a relative Link: ${link}`);
    return match[1];
  };
  /** Every page from `path` on, following Link exactly as given. */
  const allPages = async <T>(path: string, scopes: string[], items: (body: unknown) => T[]): Promise<T[][]> => {
    const pages: T[][] = [];
    for (let current: string | undefined = path; current; ) {
      const response = await get(current, scopes);
      pages.push(items(await response.json()));
      current = next(response);
      assert.ok(pages.length <= 200, 'the Link chain never ends');
    }
    return pages;
  };
  const repositoriesOf = (body: unknown): string[] => (body as { repositories: string[] }).repositories;
  const tagsOf = (body: unknown): Array<{ name: string; digest: string; lastUpdateTime: string }> => (body as { tags: Array<{ name: string; digest: string; lastUpdateTime: string }> }).tags;

  describe('/acr/v1/_catalog', () => {
    it('lists all 10,001 repositories in name order, 1,000 a page, following relative Links', async () => {
      const before = (await emulator().client.log()).length;
      const pages = await allPages('/acr/v1/_catalog?n=1000', catalogScope, repositoriesOf);
      assert.deepEqual(
        pages.map((page) => page.length),
        [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1],
      );
      assert.deepEqual(pages.flat(), allRepositories);
      // The request log counts the data-plane requests each registry received.
      const catalogRequests = (await emulator().client.log()).slice(before).filter((entry) => entry.server === 'registry:contososcale' && entry.path === '/acr/v1/_catalog');
      assert.equal(catalogRequests.length, 11);
    });

    it('seeks to a name prefix with last in one request, and the last page has no Link', async () => {
      const seek = await get('/acr/v1/_catalog?last=svc/app-09&n=3', catalogScope);
      assert.deepEqual(repositoriesOf(await seek.json()), ['svc/app-09000', 'svc/app-09001', 'svc/app-09002']);
      const lastPage = await get('/acr/v1/_catalog?last=svc/app-09998&n=100', catalogScope);
      assert.deepEqual(repositoriesOf(await lastPage.json()), ['svc/app-09999', 'svc/app-10000']);
      assert.equal(lastPage.headers.get('link'), null);
    });

    it('caps a page at 1,000 and keeps the whole query in the Link', async () => {
      const response = await get('/acr/v1/_catalog?n=5000&api-version=2021-07-01', catalogScope);
      const names = repositoriesOf(await response.json());
      assert.equal(names.length, 1000);
      assert.equal(response.headers.get('link'), `</acr/v1/_catalog?last=svc%2Fapp-00999&n=1000&orderby=&api-version=2021-07-01>; rel="next"`);
    });
  });

  describe('/v2/_catalog (answered by the registry itself)', () => {
    it('pages with n and last, with the Link in ACR form, capped at 1,000', async () => {
      const first = await get('/v2/_catalog?n=5000', catalogScope);
      assert.equal(repositoriesOf(await first.json()).length, 1000);
      assert.equal(next(first), '/v2/_catalog?last=svc%2Fapp-00999&n=1000&orderby=');
      const seek = await get('/v2/_catalog?last=svc/app-0999&n=2', catalogScope);
      assert.deepEqual(repositoriesOf(await seek.json()), ['svc/app-09990', 'svc/app-09991']);
      assert.equal(next(seek), '/v2/_catalog?last=svc%2Fapp-09991&n=2&orderby=');
      const lastPage = await get('/v2/_catalog?last=svc/app-09999&n=10', catalogScope);
      assert.deepEqual(repositoriesOf(await lastPage.json()), ['svc/app-10000']);
      assert.equal(lastPage.headers.get('link'), null);
    });

    it('serves the tags and manifests of the generated repositories', async () => {
      const tags = await get('/v2/big/tags/tags/list?n=1000', ['repository:big/tags:pull']);
      assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, [...pushOrder].sort().slice(0, 1000));
      assert.equal(next(tags), `/v2/big/tags/tags/list?last=${[...pushOrder].sort()[999]}&n=1000&orderby=`);
      const manifest = await get('/v2/svc/app-10000/manifests/1.0.0', ['repository:svc/app-10000:pull'], { accept: 'application/vnd.docker.distribution.manifest.v2+json' });
      const { layers } = (await manifest.json()) as { layers: Array<{ digest: string }> };
      const layer = await get(`/v2/svc/app-10000/blobs/${layers[0].digest}`, ['repository:svc/app-10000:pull']);
      assert.ok((await layer.arrayBuffer()).byteLength > 0);
    });
  });

  describe('/acr/v1/<repo>/_tags', () => {
    it('lists 5,000 tags newest first, resuming after the tag named in last', async () => {
      const pages = await allPages('/acr/v1/big/tags/_tags?orderby=timedesc&n=1000', tagsScope, tagsOf);
      assert.equal(pages.length, 5);
      const tags = pages.flat();
      assert.deepEqual(
        tags.map((tag) => tag.name),
        [...pushOrder].reverse(),
      );
      assert.ok(tags.every((tag, i) => i === 0 || tag.lastUpdateTime < tags[i - 1].lastUpdateTime), 'times strictly decrease');
      assert.equal(new Set(tags.map((tag) => tag.digest)).size, 5000, 'every tag is its own image');
    });

    it('lists them oldest first, and by name when no order is asked for, which is not push order', async () => {
      const oldest = await allPages('/acr/v1/big/tags/_tags?orderby=timeasc&n=1000', tagsScope, tagsOf);
      assert.deepEqual(
        oldest.flat().map((tag) => tag.name),
        pushOrder,
      );
      const byName = (await allPages('/acr/v1/big/tags/_tags?n=1000', tagsScope, tagsOf)).flat().map((tag) => tag.name);
      assert.deepEqual(byName, [...pushOrder].sort());
      assert.notDeepEqual(byName, pushOrder);
    });

    it('resumes a time order after last, wherever last is', async () => {
      const newest = [...pushOrder].reverse();
      const response = await get(`/acr/v1/big/tags/_tags?orderby=timedesc&n=3&last=${newest[2499]}`, tagsScope);
      assert.deepEqual(
        tagsOf(await response.json()).map((tag) => tag.name),
        newest.slice(2500, 2503),
      );
      assert.equal(next(response), `/acr/v1/big/tags/_tags?last=${newest[2502]}&n=3&orderby=timedesc`);
      const gone = await get('/acr/v1/big/tags/_tags?orderby=timedesc&n=3&last=no-such-tag', tagsScope);
      assert.deepEqual(tagsOf(await gone.json()), [], 'an unknown last ends the listing instead of starting it over');
    });

    it('answers a page without reading the repository again: its tags are read from storage once', async () => {
      const before = (await emulator().client.log()).length;
      for (let page = 0, path: string | undefined = '/acr/v1/big/tags/_tags?orderby=timedesc&n=100'; page < 4 && path; page++) path = next(await get(path, tagsScope));
      const log = await emulator().client.log();
      const pages = log.slice(before).filter((entry) => entry.path === '/acr/v1/big/tags/_tags');
      assert.equal(pages.length, 4);
      assert.ok(
        pages.slice(1).every((entry) => !entry.backendRequests && !entry.storageReads),
        JSON.stringify(pages),
      );
      const reads = log.filter((entry) => entry.server === 'registry:contososcale' && entry.path.startsWith('/acr/v1/big/tags') && entry.storageReads);
      assert.equal(reads.length, 1, 'one request read the tags');
      assert.ok((reads[0].storageReads ?? 0) >= 5000);
    });
  });

  describe('/acr/v1/<repo>/_manifests', () => {
    it('describes a page of manifests with work for that page only, once per digest', async () => {
      const path = '/acr/v1/big/tags/_manifests?orderby=timedesc&n=10';
      const before = (await emulator().client.log()).length;
      const body = (await (await get(path, tagsScope)).json()) as { manifests: Array<{ digest: string; tags: string[]; architecture: string; os: string; mediaType: string; imageSize: number }> };
      assert.equal(body.manifests.length, 10);
      assert.deepEqual(
        body.manifests.map((manifest) => manifest.tags),
        [...pushOrder].reverse().slice(0, 10).map((tag) => [tag]),
      );
      const first = body.manifests[0];
      assert.deepEqual([first.architecture, first.os, first.mediaType], ['amd64', 'linux', 'application/vnd.docker.distribution.manifest.v2+json']);
      assert.ok(first.imageSize > 0);
      await get(path, tagsScope);
      const [described, again] = (await emulator().client.log()).slice(before).filter((entry) => entry.path === '/acr/v1/big/tags/_manifests');
      assert.ok((described.backendRequests ?? 0) <= 20, `at most a manifest and a config per manifest on the page: ${described.backendRequests}`);
      assert.equal(again.backendRequests, undefined);
    });
  });
});
