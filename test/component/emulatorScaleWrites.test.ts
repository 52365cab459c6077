import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Caller, callerOf, pushImage } from './emulatorRegistrySupport';
import { clients, useEmulator } from './emulatorSupport';

/**
 * Changes to the scale registry (contososcale), whose storage starts as links into a template shared by every
 * run: `/acr/v1` shows each change at once, the registry itself serves it, and the shared template never changes.
 */
describe('emulator: changes to the 10,000-repository registry', () => {
  const emulator = useEmulator();
  let base: string;
  let owner: Caller;
  const repositoriesPath = join('docker', 'registry', 'v2', 'repositories');

  before(async () => {
    base = `https://${emulator().loginServer('contososcale')}`;
    owner = await callerOf(emulator(), 'contososcale', clients.owner);
  });

  const send = async (method: string, path: string, scopes: string[], headers: Record<string, string> = {}): Promise<Response> =>
    fetch(new URL(path, base), { method, headers: { ...headers, authorization: await owner.authorization(scopes) } });
  const json = async <T>(path: string, scopes: string[]): Promise<T> => {
    const response = await send('GET', path, scopes);
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
    return (await response.json()) as T;
  };
  const bigTags = ['repository:big/tags:pull,metadata_read,delete'];
  const newestTags = async (n: number): Promise<Array<{ name: string; digest: string }>> =>
    (await json<{ tags: Array<{ name: string; digest: string }> }>(`/acr/v1/big/tags/_tags?orderby=timedesc&n=${n}`, bigTags)).tags;
  const registryTags = async (repository: string, last: string): Promise<string[]> =>
    (await json<{ tags: string[] }>(`/v2/${repository}/tags/list?n=3&last=${last}`, [`repository:${repository}:pull`])).tags;
  const tagDigest = async (tag: string): Promise<string> => (await json<{ tag: { digest: string } }>(`/acr/v1/big/tags/_tags/${tag}`, bigTags)).tag.digest;

  it('a tag pushed into big/tags is newest at once, in _tags and _manifests, and the registry serves it', async () => {
    const image = await pushImage(emulator(), 'contososcale', owner, 'big/tags', ['zz-pushed']);
    assert.deepEqual(
      (await newestTags(1)).map(({ name, digest }) => ({ name, digest })),
      [{ name: 'zz-pushed', digest: image.digest }],
    );
    const manifests = await json<{ manifests: Array<{ digest: string; tags: string[] }> }>('/acr/v1/big/tags/_manifests?orderby=timedesc&n=1', bigTags);
    assert.deepEqual(manifests.manifests.map(({ digest, tags }) => ({ digest, tags })), [{ digest: image.digest, tags: ['zz-pushed'] }]);
    assert.deepEqual(await registryTags('big/tags', 'zz'), ['zz-pushed']);
  });

  it('re-pushing an old tag moves it to the new image and to the front; the old image stays, untagged', async () => {
    const old = await tagDigest('build-0000');
    const image = await pushImage(emulator(), 'contososcale', owner, 'big/tags', ['build-0000']);
    assert.equal(await tagDigest('build-0000'), image.digest);
    assert.equal((await newestTags(1))[0].name, 'build-0000');
    const oldManifest = await json<{ manifest: { tags?: string[] } }>(`/acr/v1/big/tags/_manifests/${old}`, bigTags);
    // ACR leaves `tags` out of an untagged manifest's attributes.
    assert.equal(oldManifest.manifest.tags, undefined);
  });

  it('untag and delete image in big/tags leave _tags and the registry at once', async () => {
    assert.equal((await send('DELETE', '/acr/v1/big/tags/_tags/build-1000', bigTags)).status, 202);
    const doomed = await tagDigest('build-2000');
    assert.equal((await send('DELETE', `/v2/big/tags/manifests/${doomed}`, bigTags)).status, 202);
    for (const tag of ['build-1000', 'build-2000']) {
      assert.equal((await send('GET', `/acr/v1/big/tags/_tags/${tag}`, bigTags)).status, 404);
      assert.ok(!(await registryTags('big/tags', tag.replace(/0$/, ''))).includes(tag));
    }
    const all = await json<{ tags: unknown[] }>('/acr/v1/big/tags/_tags?n=1000&last=build-1', bigTags);
    assert.ok(!JSON.stringify(all).includes('"build-1000"'));
  });

  it('a deleted generated repository leaves /acr/v1/_catalog and the registry catalog; a push to another shows', async () => {
    assert.equal((await send('DELETE', '/acr/v1/svc/app-00043', ['repository:svc/app-00043:delete'])).status, 202);
    await pushImage(emulator(), 'contososcale', owner, 'svc/app-00042', ['2.0.0']);
    const acr = await json<{ repositories: string[] }>('/acr/v1/_catalog?last=svc/app-00041&n=3', ['registry:catalog:*']);
    assert.deepEqual(acr.repositories, ['svc/app-00042', 'svc/app-00044', 'svc/app-00045']);
    const v2 = await json<{ repositories: string[] }>('/v2/_catalog?last=svc/app-00041&n=3', ['registry:catalog:*']);
    assert.deepEqual(v2.repositories, acr.repositories);
    assert.deepEqual(await registryTags('svc/app-00042', ''), ['1.0.0', '2.0.0']);
  });

  it('no change reaches the template the runs share', async () => {
    const storage = join(emulator().workDir, 'registries', 'contososcale', 'storage');
    // No test writes svc/app-09998, so the run still reaches it through the template.
    const untouched = await realpath(join(storage, repositoriesPath, 'svc', 'app-09998'));
    const template = untouched.slice(0, untouched.length - join(repositoriesPath, 'svc', 'app-09998').length);
    assert.notEqual(template.replace(/\/$/, ''), storage, 'the run links to a template');
    const before = await fingerprint(template);

    await pushImage(emulator(), 'contososcale', owner, 'big/tags', ['build-3000', 'zz-fingerprint']);
    assert.equal((await send('DELETE', '/acr/v1/big/tags/_tags/build-4000', bigTags)).status, 202);
    // Encoded as @azure/container-registry sends it.
    const encoded = `/v2/big%2Ftags/manifests/${encodeURIComponent(await tagDigest('build-5000'))}`;
    assert.equal((await send('DELETE', encoded, bigTags)).status, 202);
    await pushImage(emulator(), 'contososcale', owner, 'svc/app-00077', ['1.0.0']);
    assert.equal((await send('DELETE', '/acr/v1/svc/app-00078', ['repository:svc/app-00078:delete'])).status, 202);
    await pushImage(emulator(), 'contososcale', owner, 'new/repository', ['1.0.0']);
    // The registry would store a name with a host part (`Big:5000/tags`); the emulator refuses to write it.
    const hostPart = await send('POST', '/v2/Big:5000/tags/blobs/uploads/', ['repository:Big:5000/tags:pull,push']);
    assert.equal(hostPart.status, 400);

    assert.deepEqual(await fingerprint(template), before);
    assert.equal((await send('GET', '/acr/v1/big/tags/_tags/build-5000', bigTags)).status, 404, 'the index saw the delete');
  });
});

/**
 * The parts of the template a write could reach, hashed with sizes and modification times: every file and
 * directory of big/tags, of the written svc repositories and of what repositories share, and the directories
 * new repositories and new blobs would be added to (a directory's time changes when an entry is added or removed).
 */
async function fingerprint(template: string): Promise<string> {
  const v2 = join(template, 'docker', 'registry', 'v2');
  const paths: string[] = [];
  // Follows symlinks: repositories of the same content share theirs under _shared.
  const walk = async (dir: string): Promise<void> => {
    paths.push(dir);
    const entries = await Promise.all((await readdir(dir)).map(async (name) => ({ path: join(dir, name), directory: (await stat(join(dir, name))).isDirectory() })));
    paths.push(...entries.filter((entry) => !entry.directory).map((entry) => entry.path));
    await Promise.all(entries.filter((entry) => entry.directory).map((entry) => walk(entry.path)));
  };
  await Promise.all(['repositories/big/tags', 'repositories/svc/app-00077', 'repositories/svc/app-00078', '_shared'].map((path) => walk(join(v2, path))));
  paths.push(...['repositories', 'repositories/svc', 'repositories/big', 'blobs', 'blobs/sha256'].map((dir) => join(v2, dir)));
  paths.push(...(await readdir(join(v2, 'blobs', 'sha256'))).map((prefix) => join(v2, 'blobs', 'sha256', prefix)));
  paths.sort();
  const lines = new Array<string>(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < paths.length; i = next++) {
        const info = await stat(paths[i]);
        lines[i] = `${paths[i]} ${info.size} ${info.mtimeMs}`;
      }
    }),
  );
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
