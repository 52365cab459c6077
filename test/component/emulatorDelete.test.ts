import assert from 'node:assert/strict';
import { ContainerRegistryClient } from '@azure/container-registry';
import { ClientSecretCredential } from '@azure/identity';
import { Caller, callerOf, pushImage, uniqueRepository } from './emulatorRegistrySupport';
import { clients, contoso, useEmulator } from './emulatorSupport';

/**
 * Untag, delete an image and delete a repository (docs/protocol.md section 7) against the real registry:
 * allowed with the `delete` action (Owner here), refused with AcrPull only, and afterwards the registry
 * itself no longer lists what went.
 */
describe('emulator: untag, delete image and delete repository', () => {
  const emulator = useEmulator();
  let base: string;
  let owner: Caller;
  let puller: Caller;
  let sdk: ContainerRegistryClient;

  before(async () => {
    base = `https://${emulator().loginServer('contosoapps')}`;
    owner = await callerOf(emulator(), 'contosoapps', clients.owner);
    puller = await callerOf(emulator(), 'contosoapps', clients.puller);
    const credential = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
    sdk = new ContainerRegistryClient(base, credential, { audience: 'https://containerregistry.azure.net' });
  });

  /** The registry's own tag list (through the proxy), as the owner sees it; undefined for an unknown repository. */
  const registryTags = async (repository: string): Promise<string[] | undefined> => {
    const response = await fetch(`${base}/v2/${repository}/tags/list`, { headers: { authorization: await owner.authorization([`repository:${repository}:pull`]) } });
    if (response.status === 404) return undefined;
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { tags: string[] | null }).tags ?? [];
  };
  const registryCatalog = async (): Promise<string[]> => {
    const response = await fetch(`${base}/v2/_catalog?n=1000`, { headers: { authorization: await owner.authorization(['registry:catalog:*']) } });
    assert.equal(response.status, 200);
    return ((await response.json()) as { repositories: string[] }).repositories;
  };
  const headStatus = async (repository: string, path: string): Promise<number> =>
    (await fetch(`${base}/v2/${repository}/${path}`, { method: 'HEAD', headers: { authorization: await owner.authorization([`repository:${repository}:pull`]) } })).status;
  const manifestStatus = (repository: string, reference: string): Promise<number> => headStatus(repository, `manifests/${reference}`);
  const deleteAs = async (caller: Caller, path: string, repository: string): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'DELETE', headers: { authorization: await caller.authorization([`repository:${repository}:delete`]) } });

  it('untags with the delete action: the tag goes, the image and its other tags stay', async () => {
    const repository = uniqueRepository('untag');
    const image = await pushImage(emulator(), 'contosoapps', owner, repository, ['keep', 'drop']);
    await sdk.getRepository(repository).getArtifact('drop').deleteTag('drop');
    assert.deepEqual(await registryTags(repository), ['keep']);
    assert.equal(await manifestStatus(repository, 'drop'), 404);
    assert.equal(await manifestStatus(repository, image.digest), 200);
    const tags = [];
    for await (const tag of sdk.getRepository(repository).getArtifact(image.digest).listTagProperties()) tags.push(tag.name);
    assert.deepEqual(tags, ['keep']);
  });

  it('refuses to untag without the delete action, and the tag stays', async () => {
    const repository = uniqueRepository('untag');
    await pushImage(emulator(), 'contosoapps', owner, repository, ['stays']);
    const refused = await deleteAs(puller, `/acr/v1/${repository}/_tags/stays`, repository);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', new RegExp(`scope="repository:${repository}:delete"`));
    assert.deepEqual(await registryTags(repository), ['stays']);
  });

  it('answers 404 for a tag or repository that does not exist', async () => {
    const repository = uniqueRepository('untag');
    await pushImage(emulator(), 'contosoapps', owner, repository, ['v1']);
    assert.equal((await deleteAs(owner, `/acr/v1/${repository}/_tags/v2`, repository)).status, 404);
    assert.equal((await deleteAs(owner, '/acr/v1/never/pushed', 'never/pushed')).status, 404);
  });

  it('deletes an image by digest with every tag on it', async () => {
    const repository = uniqueRepository('image');
    const doomed = await pushImage(emulator(), 'contosoapps', owner, repository, ['a', 'b']);
    await pushImage(emulator(), 'contosoapps', owner, repository, ['other']);
    await sdk.getRepository(repository).getArtifact(doomed.digest).delete();
    assert.deepEqual(await registryTags(repository), ['other']);
    assert.equal(await manifestStatus(repository, doomed.digest), 404);
  });

  it('refuses to delete an image without the delete action', async () => {
    const repository = uniqueRepository('image');
    const image = await pushImage(emulator(), 'contosoapps', owner, repository, ['v1']);
    assert.equal((await deleteAs(puller, `/v2/${repository}/manifests/${image.digest}`, repository)).status, 401);
    assert.equal(await manifestStatus(repository, image.digest), 200);
  });

  it('deletes a repository: the registry lists it no more and serves none of its manifests or blobs', async () => {
    const repository = uniqueRepository('repo');
    const image = await pushImage(emulator(), 'contosoapps', owner, repository, ['v1', 'v2']);
    assert.equal(await headStatus(repository, `blobs/${image.layerDigest}`), 200);
    const nested = await pushImage(emulator(), 'contosoapps', owner, `${repository}/nested`, ['v1']);
    assert.ok((await registryCatalog()).includes(repository));
    const response = await deleteAs(owner, `/acr/v1/${repository}`, repository);
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), { manifestsDeleted: [image.digest], tagsDeleted: ['v1', 'v2'] });
    const catalog = await registryCatalog();
    assert.ok(!catalog.includes(repository));
    assert.equal(await registryTags(repository), undefined);
    assert.equal(await manifestStatus(repository, image.digest), 404);
    assert.equal(await headStatus(repository, `blobs/${image.layerDigest}`), 404);
    // A repository nested under the deleted one is another repository, and stays.
    assert.ok(catalog.includes(`${repository}/nested`));
    assert.equal(await manifestStatus(`${repository}/nested`, nested.digest), 200);
  });

  it('deletes a repository through @azure/container-registry', async () => {
    const repository = uniqueRepository('repo');
    await pushImage(emulator(), 'contosoapps', owner, repository, ['v1']);
    await sdk.deleteRepository(repository);
    assert.ok(!(await registryCatalog()).includes(repository));
  });

  it('refuses to delete a repository without the delete action', async () => {
    const repository = uniqueRepository('repo');
    await pushImage(emulator(), 'contosoapps', owner, repository, ['v1']);
    assert.equal((await deleteAs(puller, `/acr/v1/${repository}`, repository)).status, 401);
    assert.ok((await registryCatalog()).includes(repository));
  });

  it('on an ABAC registry, the Repository Writer role does not allow deletes', async () => {
    const pusher = await callerOf(emulator(), 'contosoabac', clients.pusher);
    const abacBase = `https://${emulator().loginServer('contosoabac')}`;
    const response = await fetch(`${abacBase}/acr/v1/team/api/_tags/1.0`, { method: 'DELETE', headers: { authorization: await pusher.authorization(['repository:team/api:delete']) } });
    assert.equal(response.status, 401);
  });
});
