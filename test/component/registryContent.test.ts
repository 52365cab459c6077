import assert from 'node:assert/strict';
import { AcrError } from '../../src/acr/errors';
import { lastBefore, RegistryContent } from '../../src/acr/registryContent';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { LogEntry, RunningEmulator } from '../world/emulator';
import { clients, contoso, emulatorCloud, useEmulator } from './emulatorSupport';

/** What an identity of the fixture reads, with the extension's own token client. */
async function contentFor(emulator: RunningEmulator, client: { clientId: string; secret: string }, registry: string, abac?: boolean): Promise<RegistryContent> {
  const { ClientSecretCredential } = await import('@azure/identity');
  const credential = new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator.entra.authorityHost, disableInstanceDiscovery: true });
  const loginServer = emulator.loginServer(registry);
  const tokens = new AcrTokenClient({ credential, trust: { cloud: emulatorCloud(emulator), armLoginServers: [loginServer] } });
  return new RegistryContent({ loginServer, abac, accessToken: async (scopes, signal) => (await tokens.accessToken({ loginServer }, scopes, { signal })).token });
}

function dataPlane(log: LogEntry[], registry: string): LogEntry[] {
  return log.filter((entry) => entry.server === `registry:${registry}` && /^\/(acr\/v1|v2)\/./.test(entry.path));
}

/** The tags the real registry holds, through the standard API with an owner's token. */
async function registryTags(emulator: RunningEmulator, registry: string, repository: string): Promise<string[]> {
  const content = await contentFor(emulator, clients.owner, registry);
  const tags: string[] = [];
  let next: string | undefined;
  do {
    const page = await content.tags(repository, { pageSize: 100, next });
    tags.push(...page.items.map((tag) => tag.name));
    next = page.next;
  } while (next);
  return tags.sort();
}

describe('registry content: repositories, tags and deletes through ACR data-plane API (docs/protocol.md section 7)', function () {
  const emulator = useEmulator();

  it('pages the catalog sorted, following Link exactly one page per call, to the end', async () => {
    const content = await contentFor(emulator(), clients.puller, 'contosoapps');
    const names: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await content.repositories({ pageSize: 1, next });
      assert.ok(page.items.length <= 1);
      names.push(...page.items);
      next = page.next;
      pages++;
    } while (next && pages < 20);
    assert.deepEqual(names, ['hello', 'team/api', 'team/web']);
  });

  it('seeks to a name prefix with one request', async () => {
    const content = await contentFor(emulator(), clients.puller, 'contosoapps');
    await emulator().client.clearLog();
    const page = await content.repositories({ pageSize: 5, after: lastBefore('team/w') });
    assert.deepEqual(page.items, ['team/web']);
    assert.equal(dataPlane(await emulator().client.log(), 'contosoapps').length, 1);
  });

  it('lists tags newest first with digests and times in one request, and a manifest with size and platform', async () => {
    const content = await contentFor(emulator(), clients.puller, 'contosoapps');
    await emulator().client.clearLog();
    const page = await content.tags('team/api', { pageSize: 10 });
    assert.equal(dataPlane(await emulator().client.log(), 'contosoapps').length, 1);
    assert.deepEqual(page.items.map((tag) => tag.name).sort(), ['1.0', '1.1']);
    const times = page.items.map((tag) => tag.lastUpdateTime!);
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    for (const tag of page.items) assert.match(tag.digest, /^sha256:[0-9a-f]{64}$/);
    const manifest = await content.manifest('team/api', page.items[0].digest);
    assert.ok(manifest.imageSize! > 0);
    assert.deepEqual(manifest.platforms, ['linux/amd64']);
    assert.ok(manifest.tags.includes(page.items[0].name));
  });

  it('refuses the catalog on an ABAC registry without Catalog Lister with advice naming Catalog Lister, and lists it with Catalog Lister', async () => {
    const reader = await contentFor(emulator(), clients.reader, 'contosoabac', true);
    const refusal = await reader.repositories({ pageSize: 10 }).then(
      () => assert.fail('the catalog was listed'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof AcrError && refusal.kind === 'noRole', String(refusal));
    assert.match(refusal.message, /for Container Registry Repository Catalog Lister\./);
    assert.doesNotMatch(refusal.message, /AcrPull/);
    // The repository it has a role on still lists its tags, with a scope for that repository alone.
    assert.deepEqual((await reader.tags('team/api', { pageSize: 10 })).items.map((tag) => tag.name), ['1.0']);

    const lister = await contentFor(emulator(), clients.pusher, 'contosoabac', true);
    assert.deepEqual((await lister.repositories({ pageSize: 10 })).items, ['secret/db', 'team/api']);
  });

  it('refuses deletes to an identity with only pull rights', async () => {
    const puller = await contentFor(emulator(), clients.puller, 'contosonoarm');
    const [tag] = (await puller.tags('hello', { pageSize: 10 })).items;
    await assert.rejects(puller.untag('hello', tag.name), (error: unknown) => error instanceof AcrError && error.kind === 'noRole' && /may not delete.*AcrDelete/.test(error.message));
    assert.deepEqual(await registryTags(emulator(), 'contosonoarm', 'hello'), [tag.name]);
  });

  it('gives a malformed catalog a clear error, without quoting it', async () => {
    const content = await contentFor(emulator(), clients.puller, 'contosoapps');
    const id = await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/acr/v1/_catalog', mode: 'malformedBody' });
    try {
      await assert.rejects(content.repositories({ pageSize: 10 }), (error: unknown) => error instanceof AcrError && error.kind === 'malformedResponse');
    } finally {
      await emulator().client.removeFault(id);
    }
  });
});

describe('registry content: deletes (on an emulator of their own, since they change what it holds)', () => {
  const emulator = useEmulator();

  it('untags, deletes an image with every tag on it, and deletes a repository in the real registry', async () => {
    const owner = await contentFor(emulator(), clients.owner, 'contosoapps');
    await owner.untag('team/api', '1.0');
    assert.deepEqual(await registryTags(emulator(), 'contosoapps', 'team/api'), ['1.1']);

    const [tag] = (await owner.tags('hello', { pageSize: 10 })).items;
    const onImage = (await owner.manifest('hello', tag.digest)).tags;
    await owner.deleteImage('hello', tag.digest);
    const left = await registryTags(emulator(), 'contosoapps', 'hello');
    for (const name of onImage) assert.ok(!left.includes(name), `${name} is still there`);

    await owner.deleteRepository('team/web');
    assert.ok(!(await owner.repositories({ pageSize: 100 })).items.includes('team/web'));
  });
});
