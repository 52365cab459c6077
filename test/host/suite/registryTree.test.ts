import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import type { RegistryNode, TreeNode } from '../../../src/tree/nodes';
import type { Fixture } from '../../emulator/fixture';
import componentFixture from '../../emulator/fixtures/component.json';
import { hostEmulator } from '../emulator';
import { waitForWorkbenchText } from '../workbench';

interface Item {
  node: TreeNode;
  label: string;
  description?: string;
  tooltip: string;
  contextValue?: string;
}

function text(value: string | vscode.MarkdownString | vscode.TreeItemLabel | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return 'value' in value ? value.value : value.label;
}

const fixture = componentFixture as Fixture;
const registriesOf = (subscription: string) => fixture.registries.filter((registry) => registry.subscription === subscription);
const seenBy = (identity: string) => (registry: { roles?: { identity: string }[] }) => (registry.roles ?? []).some((role) => role.identity === identity);

describe('Registry tree', function () {
  this.timeout(120_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  let exports: AcrAccessExports;
  let tree: AcrAccessExports['registryTree'];

  /** The children as VS Code shows them; `resolve` also reads what a hover would (a tag's manifest, if its page did not bring it). */
  const children = async (node?: TreeNode, { resolve = true } = {}): Promise<Item[]> => {
    const nodes = await tree.getChildren(node);
    return Promise.all(
      nodes.map(async (child) => {
        const unresolved = tree.getTreeItem(child);
        const item = resolve ? await tree.resolveTreeItem(unresolved, child, new vscode.CancellationTokenSource().token) : unresolved;
        return { node: child, label: text(item.label), description: typeof item.description === 'string' ? item.description : undefined, tooltip: text(item.tooltip), contextValue: item.contextValue };
      }),
    );
  };
  const dataPlaneRequests = async (registry: string, since: number) =>
    (await emulator.client.log()).filter((entry) => entry.seq > since && entry.server === `registry:${registry}` && /^\/(acr\/v1|v2)\/./.test(entry.path));
  const lastSeq = async () => Math.max(0, ...(await emulator.client.log()).map((entry) => entry.seq));

  before(async () => {
    const extension = vscode.extensions.getExtension<AcrAccessExports>('acraccess.acr-access');
    assert.ok(extension);
    exports = await extension.activate();
    tree = exports.registryTree;
    // Signs in the way a user without the palette's quick picks can: logging Docker in with VS Code's account.
    await vscode.commands.executeCommand('acrAccess.logInDocker', [apps]);
    tree.refresh();
  });

  after(async () => {
    await vscode.commands.executeCommand('acrAccess.signOut');
  });

  it('shows a level per tenant, subscriptions, then registries with SKU, region and their Docker login state', async () => {
    const top = await children();
    const tenants = fixture.tenants.filter((tenant) => fixture.subscriptions.some((subscription) => subscription.tenant === tenant.id && registriesOf(subscription.id).some(seenBy('alice'))));
    assert.ok(tenants.length >= 2, 'the fixture gives alice subscriptions in two tenants');
    assert.deepEqual(
      top.map((item) => [item.label, item.contextValue]),
      tenants.map((tenant) => [tenant.displayName, 'tenant']),
    );
    const contoso = top.find((item) => item.label === 'Contoso')!;
    const [subscription] = await children(contoso.node);
    const dev = fixture.subscriptions.find((candidate) => candidate.displayName === subscription.label)!;
    assert.equal(subscription.contextValue, 'subscription');
    assert.match(subscription.tooltip, new RegExp(dev.id));

    const registries = await children(subscription.node);
    const expected = registriesOf(dev.id)
      .filter(seenBy('alice'))
      .map((registry) => registry.name)
      .sort();
    assert.deepEqual(
      registries.map((item) => item.label),
      expected,
    );
    for (const item of registries) {
      const registry = fixture.registries.find((candidate) => candidate.name === item.label)!;
      assert.equal(item.description, `${registry.sku} · ${registry.location}`);
      const loggedIn = registry.name === 'contosoapps';
      assert.equal(item.contextValue, ['registry', loggedIn ? 'dockerLoggedIn' : 'dockerLoggedOut', 'arm', ...(registry.abac ? ['abac'] : [])].join(';'));
      assert.match(item.tooltip, loggedIn ? /Docker is logged in until/ : /Docker is not logged in/);
      assert.match(item.tooltip, registry.adminUserEnabled ? /Admin user: enabled/ : /Admin user: disabled/);
    }
    // The status bar tells the same: Docker is logged in to contosoapps.
    await waitForWorkbenchText('.statusbar-item', 'ACR contosoapps');
  });

  it('lists repositories sorted, and tags newest first with age and size, digest, times, media type and platforms', async () => {
    const registry = await registryNamed('contosoapps');
    const repositories = await children(registry);
    const expected = Object.keys(fixture.registries.find((candidate) => candidate.name === 'contosoapps')!.repositories!).sort();
    assert.deepEqual(
      repositories.map((item) => [item.label, item.contextValue]),
      expected.map((name) => [name, 'repository']),
    );
    const hello = repositories.find((item) => item.label === 'hello')!;
    const tags = await children(hello.node);
    assert.deepEqual(tags.map((item) => item.label).sort(), ['latest', 'v1']);
    const times = tags.map((item) => (item.node.kind === 'tag' ? (item.node.tag.lastUpdateTime ?? 0) : 0));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'tags are not newest first');
    for (const item of tags) {
      assert.equal(item.contextValue, 'tag');
      assert.match(item.description ?? '', /ago|yesterday|last|now/);
      assert.match(item.tooltip, /Digest: `sha256:[0-9a-f]{64}`/);
      assert.match(item.tooltip, /Created: /);
      assert.match(item.tooltip, /Media type: `application\/vnd\.(docker|oci)\./);
      assert.match(item.tooltip, /Platforms: linux\/amd64/);
      assert.match(item.tooltip, /Size: [\d.,]+ (B|kB|MB)/);
    }
  });

  it('hides subscriptions the filter leaves out, says so, and shows no tenant level for one tenant', async () => {
    const contosoDev = fixture.subscriptions.find((subscription) => subscription.displayName === 'Contoso Dev')!;
    try {
      await selectSubscriptions([contosoDev.id]);
      const top = await children();
      assert.deepEqual(
        top.map((item) => [item.label, item.contextValue]),
        [['Contoso Dev', 'subscription']],
      );
      await waitForWorkbenchText('.pane-body .message, .tree-explorer-viewlet-tree-view-message, .monaco-pane-view', 'Showing 1 of 2 subscriptions');
    } finally {
      await selectSubscriptions(undefined);
    }
    assert.equal((await children()).length, 2);
  });

  it('shows an error in place of what failed, keeps the other registries, and Retry loads it once the fault is gone', async () => {
    const registry = await registryNamed('contosoapps');
    const other = await registryNamed('contosonoarm');
    const fault = await emulator.client.addFault({ server: 'registry:contosoapps', path: '^/(acr/v1|v2)/_catalog', mode: 'status', status: 503 });
    try {
      tree.refresh(registry);
      const [error] = await children(registry);
      assert.equal(error.node.kind, 'error');
      assert.match(error.label, /unavailable/i);
      assert.equal(error.contextValue, 'error');
      assert.ok((await children(other)).length > 0, 'another registry is hidden by the failure');
    } finally {
      await emulator.client.removeFault(fault);
    }
    const [error] = await children(registry);
    assert.equal(error.node.kind, 'error');
    await vscode.commands.executeCommand('acrAccess.retry', error.node);
    assert.deepEqual((await children(registry)).map((item) => item.label).includes('hello'), true);
  });

  describe('at scale', () => {
    const scale = fixture.registries.find((registry) => registry.name === 'contososcale')!;
    const pageSize = 100;

    it('shows the first page of 10,000 repositories after one data-plane request; Load more fetches exactly the next page', async () => {
      assert.equal(scale.generatedRepositories!.count, 10_000);
      const registry = await registryNamed('contososcale');
      tree.refresh(registry);
      let since = await lastSeq();
      const first = await children(registry, { resolve: false });
      const requests = await dataPlaneRequests('contososcale', since);
      assert.deepEqual(requests.map((entry) => `${entry.method} ${entry.path}`), ['GET /acr/v1/_catalog']);
      assert.equal(first.length, pageSize + 1);
      assert.equal(first[pageSize].contextValue, 'loadMore');
      const names = first.slice(0, pageSize).map((item) => item.label);
      assert.deepEqual(names, [...names].sort());

      since = await lastSeq();
      await vscode.commands.executeCommand('acrAccess.loadMore', registry);
      const second = await children(registry, { resolve: false });
      assert.equal((await dataPlaneRequests('contososcale', since)).length, 1);
      assert.equal(second.length, 2 * pageSize + 1);
      assert.deepEqual(second.slice(0, pageSize).map((item) => item.label), names, 'the first page changed');
      assert.ok(second[pageSize].label > names[pageSize - 1], 'the second page does not continue the first');
      // What the tree holds grows with the pages expanded, not with the registry.
      assert.equal(registry.listing?.items.length, 2 * pageSize);
    });

    it('Find Repository reaches a repository on the last page with one data-plane request', async () => {
      const registry = await registryNamed('contososcale');
      const last = `${scale.generatedRepositories!.prefix}${String(scale.generatedRepositories!.count).padStart(5, '0')}`;
      const since = await lastSeq();
      const found = await tree.findRepositories(registry, last.slice(0, -2));
      assert.ok(found.includes(last), `${last} not found: ${JSON.stringify(found)}`);
      assert.ok(found.every((name) => name.startsWith(last.slice(0, -2))));
      assert.ok((await dataPlaneRequests('contososcale', since)).length <= 2);
    });

    it('lists 5,000 tags newest first after one request, with no request per tag', async () => {
      const registry = await registryNamed('contososcale');
      const repository = tree.openRepository(registry, 'big/tags');
      const since = await lastSeq();
      const tags = await children(repository, { resolve: false });
      const requests = await dataPlaneRequests('contososcale', since);
      assert.equal(requests[0] && `${requests[0].method} ${requests[0].path}`, 'GET /acr/v1/big/tags/_tags');
      assert.equal(tags.length, pageSize + 1);
      const times = tags.slice(0, pageSize).map((item) => (item.node.kind === 'tag' ? item.node.tag.lastUpdateTime! : 0));
      assert.deepEqual(times, [...times].sort((a, b) => b - a));
      const perTag = (await dataPlaneRequests('contososcale', since)).filter((entry) => /\/_manifests\/|\/manifests\//.test(entry.path));
      assert.deepEqual(perTag, []);
    });
  });

  async function registryNamed(name: string): Promise<RegistryNode> {
    const registries = await tree.allRegistries();
    const registry = registries.find((node) => node.summary?.name === name);
    assert.ok(registry, `no registry ${name} in ${JSON.stringify(registries.map((node) => node.loginServer))}`);
    return registry;
  }

  /** What Select Subscriptions... remembers (its quick pick is driven in the e2e tier). */
  async function selectSubscriptions(ids: string[] | undefined): Promise<void> {
    await exports.treeMemory.selectSubscriptions(ids);
    tree.redrawTop();
  }
});
