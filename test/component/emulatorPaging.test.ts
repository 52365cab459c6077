import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ContainerRegistryClient } from '@azure/container-registry';
import { ClientSecretCredential } from '@azure/identity';
import { clients, contoso, useEmulator } from './emulatorSupport';

/**
 * 1,051 real repositories: the seed pushes one layer once and mounts it into each repository (a cheap
 * registry call), then a config and a manifest per repository; the registry storage is cached afterwards.
 */
describe('emulator: @azure/container-registry paging over more than 1,000 repositories', () => {
  const emulator = useEmulator(join(__dirname, '..', 'emulator', 'fixtures', 'paging.json'));
  let client: ContainerRegistryClient;

  before(() => {
    const credential = new ClientSecretCredential(contoso, clients.puller.clientId, clients.puller.secret, {
      authorityHost: emulator().entra.authorityHost,
      disableInstanceDiscovery: true,
    });
    client = new ContainerRegistryClient(`https://${emulator().loginServer('contosomany')}`, credential, { audience: 'https://containerregistry.azure.net' });
  });

  it('lists every repository across pages that follow the Link header', async () => {
    await emulator().client.clearLog();
    const pages: string[][] = [];
    for await (const page of client.listRepositoryNames().byPage({ maxPageSize: 100 })) pages.push(page);
    const names = pages.flat();
    assert.equal(names.length, 1051);
    assert.equal(new Set(names).size, 1051);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'base/alpine');
    assert.equal(names[1050], 'services/svc-1050');
    assert.equal(pages.length, 11);
    assert.ok(pages.slice(0, 10).every((page) => page.length === 100));
    const catalogCalls = (await emulator().client.log()).filter((entry) => entry.path === '/acr/v1/_catalog' && entry.status === 200);
    assert.equal(catalogCalls.length, 11);
  });

  it('pages the tags of a repository', async () => {
    const pages: string[][] = [];
    for await (const page of client.getRepository('base/alpine').listManifestProperties().byPage({ maxPageSize: 2 })) pages.push(page.flatMap((manifest) => manifest.tags));
    assert.deepEqual(pages.flat().sort(), ['3.19', '3.20', '3.21', 'latest']);
    assert.equal(pages.length, 2);
  });

  it('pulls a manifest of a generated repository from the real registry', async () => {
    const manifest = await client.getRepository('services/svc-0777').getArtifact('1.0.0').getManifestProperties();
    assert.equal(manifest.architecture, 'amd64');
    assert.equal(manifest.operatingSystem, 'linux');
    assert.deepEqual(manifest.tags, ['1.0.0']);
  });
});
