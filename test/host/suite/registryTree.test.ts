import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import type { RegistryNode, RepositoryNode, TreeNode } from '../../../src/tree/nodes';
import type { Fixture } from '../../emulator/fixture';
import componentFixture from '../../emulator/fixtures/component.json';
import type { FaultSpec } from '../../world/emulator';
import { hostEmulator } from '../emulator';
import { waitForWorkbenchText } from '../workbench';

const run = promisify(execFile);

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

const fixture = componentFixture as unknown as Fixture;
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
  /** A registry's repositories and what goes with them, without the Tokens and Scope maps groups ahead of them. */
  const contents = async (registry: TreeNode, options?: { resolve?: boolean }): Promise<Item[]> =>
    (await children(registry, options)).filter((item) => item.node.kind !== 'tokens' && item.node.kind !== 'scopeMaps');
  const dataPlaneRequests = async (registry: string, since: number) =>
    (await emulator.client.log()).filter((entry) => entry.seq > since && entry.server === `registry:${registry}` && /^\/(acr\/v1|v2)\/./.test(entry.path));
  const lastSeq = async () => Math.max(0, ...(await emulator.client.log()).map((entry) => entry.seq));

  before(async () => {
    const extension = vscode.extensions.getExtension<AcrAccessExports>('acraccess.acr-access');
    assert.ok(extension);
    exports = await extension.activate();
    tree = exports.registryTree;
    await vscode.commands.executeCommand('acrAccess.signOut');
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
      const loggedIn = registry.name === 'contosoapps';
      assert.match(item.description ?? '', new RegExp(`^${registry.sku} · ${registry.location}${loggedIn ? ' · Docker logged in · \\d+h \\d+m' : ''}$`));
      assert.equal(item.contextValue, ['registry', loggedIn ? 'dockerLoggedIn' : 'dockerLoggedOut', 'arm', ...(registry.abac ? ['abac'] : []), ...(registry.adminUserEnabled ? ['adminUser'] : [])].join(';'));
      assert.match(item.tooltip, loggedIn ? /Docker is logged in until/ : /Docker is not logged in/);
      assert.match(item.tooltip, registry.adminUserEnabled ? /Admin user: enabled/ : /Admin user: disabled/);
    }
    // The status bar tells the same: Docker is logged in to contosoapps.
    await waitForWorkbenchText('.statusbar-item', 'ACR contosoapps');
  });

  it('lists repositories sorted, and tags newest first with age and size, digest, times, media type and platforms', async () => {
    const registry = await registryNamed('contosoapps');
    const repositories = await contents(registry);
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

  it("shows a multi-platform image's platforms in its tag's tooltip, read on hover: a page of manifests leaves them out", async () => {
    const registry = await registryNamed('fabrikamtools');
    const repository = (await contents(registry, { resolve: false })).find((item) => item.label === 'multi/platform')!.node as RepositoryNode;
    const [tag] = await children(repository, { resolve: false });
    const digest = tag.node.kind === 'tag' ? tag.node.tag.digest : '';
    // Hovering only once the page of manifests is in: it brings the list's size, but never its platforms.
    while (!repository.manifests.has(digest)) await nextTreeChange();
    // VS Code asks for a tooltip on hover only when the item it was given has none.
    const [shown] = (await children(repository, { resolve: false })).filter((item) => item.label === tag.label);
    assert.equal(shown.tooltip, '', 'the tag has a tooltip without its platforms, so VS Code would never ask for them');
    const [hovered] = (await children(repository)).filter((item) => item.label === tag.label);
    assert.match(hovered.tooltip, /Media type: `application\/vnd\.docker\.distribution\.manifest\.list\.v2\+json`/);
    assert.match(hovered.tooltip, /Platforms: linux\/amd64, linux\/arm64/);
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
      await vscode.commands.executeCommand('acrAccess.registries.focus');
      await waitForWorkbenchText('.tree-explorer-viewlet-tree-view .message', 'Showing 1 of 2 subscriptions');
    } finally {
      await selectSubscriptions(undefined);
    }
    assert.equal((await children()).length, 2);
  });

  it('Add Registry by Login Server puts a registry ARM did not list for this view in its own group, read with the account', async () => {
    const added = emulator.loginServer('contosonoarm');
    try {
      await exports.treeMemory.addLoginServer(added);
      tree.redrawTop();
      const group = (await children()).find((item) => item.contextValue === 'typedRegistries');
      assert.ok(group, 'no group of registries by login server');
      assert.equal(group.label, 'Registries by login server');
      const [registry] = await children(group.node);
      assert.deepEqual([registry.label, registry.contextValue], [added, 'registry;dockerLoggedOut;added']);
      assert.deepEqual(
        (await contents(registry.node)).map((item) => item.label),
        Object.keys(fixture.registries.find((candidate) => candidate.name === 'contosonoarm')!.repositories!),
      );
      await vscode.commands.executeCommand('acrAccess.removeRegistry', registry.node);
      assert.ok(!(await children()).some((item) => item.contextValue === 'typedRegistries'), 'Remove from View left the group');
    } finally {
      await exports.treeMemory.forgetLoginServer(added);
      tree.redrawTop();
    }
  });

  it('Inspect Manifest opens the manifest, as the registry serves it, in a read-only JSON document', async () => {
    const registry = await registryNamed('contosoapps');
    const [hello] = (await contents(registry)).filter((item) => item.label === 'hello');
    const [tag] = await children(hello.node);
    await vscode.commands.executeCommand('acrAccess.inspectManifest', tag.node);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    assert.equal(editor.document.uri.scheme, 'acr-manifest');
    assert.equal(editor.document.languageId, 'json');
    const manifest = JSON.parse(editor.document.getText()) as { schemaVersion?: number; layers?: unknown[] };
    assert.equal(manifest.schemaVersion, 2);
    assert.ok(Array.isArray(manifest.layers) && manifest.layers.length > 0);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Untag, Delete Image and Delete Repository change nothing when their confirmation is not given', async () => {
    // In a test run VS Code refuses every modal dialog, which is what Cancel gives (the e2e tier clicks them).
    // On contosonoarm alice may delete, so each command gets past its permission check to the confirmation.
    const registry = await registryNamed('contosonoarm');
    const [hello] = (await contents(registry)).filter((item) => item.label === 'hello');
    const tags = await children(hello.node);
    const since = await lastSeq();
    await vscode.commands.executeCommand('acrAccess.untag', tags[0].node);
    await vscode.commands.executeCommand('acrAccess.deleteImage', tags[0].node);
    await vscode.commands.executeCommand('acrAccess.deleteRepository', hello.node);
    const deletes = (await emulator.client.log()).filter((entry) => entry.seq > since && entry.method === 'DELETE');
    assert.deepEqual(deletes, []);
    tree.refresh(hello.node);
    assert.deepEqual((await children(hello.node)).map((item) => item.label), tags.map((item) => item.label));
  });

  describe('errors in place', () => {
    const firewallBody = { errors: [{ code: 'DENIED', message: "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.", detail: null }] };
    const cases: { name: string; fault: FaultSpec; label: RegExp; contextValue: string; description?: RegExp }[] = [
      { name: 'outage (503)', fault: { mode: 'status', status: 503 }, label: /unavailable/i, contextValue: 'error;aboutRegistry' },
      { name: 'throttled (429 with Retry-After)', fault: { mode: 'status', status: 429, retryAfter: 1, times: 1 }, label: /^Throttled by contosoapps, trying again in 1 s$/, contextValue: 'error;aboutRegistry' },
      { name: 'firewall (403)', fault: { mode: 'status', status: 403, body: firewallBody }, label: /network rules/i, contextValue: 'error;aboutRegistry' },
      { name: 'network failure (reset)', fault: { mode: 'reset' }, label: /Could not reach/i, contextValue: 'error;aboutRegistry' },
      { name: 'expired sign-in (401)', fault: { mode: 'status', status: 401 }, label: /expired or was refused/i, contextValue: 'error;signIn;aboutRegistry' },
    ];
    for (const { name, fault, label, contextValue, description } of cases) {
      it(`${name}: an error node where the repositories were, the other registries listed, Retry loads them once it passes`, async () => {
        const registry = await registryNamed('contosoapps');
        const other = await registryNamed('contosonoarm');
        const id = await emulator.client.addFault({ ...fault, server: 'registry:contosoapps', path: '^/(acr/v1|v2)/_catalog' });
        let error: Item;
        try {
          tree.refresh(registry);
          [error] = await contents(registry);
          assert.equal(error.node.kind, 'error');
          assert.match(error.label, label);
          assert.equal(error.contextValue, contextValue);
          if (description) assert.match(error.description ?? '', description);
          assert.ok((await contents(other)).some((item) => item.label === 'hello'), 'another registry is hidden by the failure');
        } finally {
          // A fault with `times` is gone once spent.
          await emulator.client.removeFault(id).catch(() => undefined);
        }
        await vscode.commands.executeCommand('acrAccess.retry', error.node);
        assert.deepEqual(
          (await contents(registry)).map((item) => item.label),
          Object.keys(fixture.registries.find((candidate) => candidate.name === 'contosoapps')!.repositories!).sort(),
        );
      });
    }

    it('not signed in: the subscriptions give way to an error with Sign In Again, and come back after signing in', async () => {
      await vscode.commands.executeCommand('emulatedMicrosoftAuth.signOut');
      try {
        tree.refresh();
        const top = await children();
        assert.equal(top[0].node.kind, 'error');
        assert.match(top[0].label, /sign/i);
        assert.equal(top[0].contextValue, 'error;signIn');
      } finally {
        await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');
      }
      // VS Code tells the extension of the new session a moment later; the tree reloads then.
      const deadline = Date.now() + 15_000;
      let top = await children();
      while (!top.every((item) => item.contextValue === 'tenant') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        top = await children();
      }
      assert.deepEqual(top.map((item) => item.contextValue), ['tenant', 'tenant']);
    });
  });

  it('a Docker login redraws only its registry node: its state changes and nothing is loaded again', async () => {
    const noArm = emulator.loginServer('contosonoarm');
    const registry = await registryNamed('contosonoarm');
    await contents(registry);
    const listing = registry.listing;
    const fired: (TreeNode | undefined)[] = [];
    const subscription = tree.onDidChangeTreeData((event) => fired.push(...(Array.isArray(event) ? event : [event])));
    try {
      const since = await lastSeq();
      await vscode.commands.executeCommand('acrAccess.logInDocker', [noArm]);
      assert.ok(fired.includes(registry), 'the registry node was not redrawn');
      assert.ok(!fired.includes(undefined), 'the whole tree was reloaded');
      assert.equal(registry.listing, listing);
      assert.equal((await contents(registry)).length, listing!.items.length);
      assert.deepEqual(await dataPlaneRequests('contosonoarm', since), []);
      assert.match(tree.getTreeItem(registry).contextValue ?? '', /;dockerLoggedIn;/);
    } finally {
      subscription.dispose();
      await vscode.commands.executeCommand('acrAccess.logOutDocker', noArm);
    }
    assert.match(tree.getTreeItem(registry).contextValue ?? '', /;dockerLoggedOut;/);
  });

  it('Pull Image lands the tag in the Docker engine, also for a registry Docker is not logged in to with saving credentials off', async () => {
    const settings = vscode.workspace.getConfiguration('acrAccess');
    await settings.update('docker.saveCredentials', false, vscode.ConfigurationTarget.Global);
    const registry = await registryNamed('contosonoarm');
    const reference = `${registry.loginServer}/hello:v1`;
    await run('docker', ['rmi', '--force', reference]).catch(() => undefined);
    try {
      const [hello] = (await contents(registry)).filter((item) => item.label === 'hello');
      const [tag] = await children(hello.node);
      assert.equal(tag.node.kind, 'tag');
      await vscode.commands.executeCommand('acrAccess.pullImage', tag.node);
      const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', reference]);
      assert.ok(tag.node.kind === 'tag' && (JSON.parse(stdout) as string[]).includes(`${registry.loginServer}/hello@${tag.node.tag.digest}`), stdout);
    } finally {
      await settings.update('docker.saveCredentials', undefined, vscode.ConfigurationTarget.Global);
      await run('docker', ['rmi', '--force', reference]).catch(() => undefined);
    }
  });

  it('ABAC registry: the refused catalog names Catalog Lister, and a repository opened by name lists its tags and pulls', async () => {
    const registry = await registryNamed('contosoabac');
    tree.refresh(registry);
    const items = await contents(registry);
    assert.equal(items[0].contextValue, 'openByName');
    const error = items.find((item) => item.node.kind === 'error');
    assert.ok(error, JSON.stringify(items.map((item) => item.label)));
    assert.match(error.label, /Container Registry Repository Catalog Lister/);
    assert.doesNotMatch(error.label, /AcrPull/);

    // What Open Repository by Name... does once its input box is answered (the e2e tier types into it).
    const repository = tree.openRepository(registry, 'team/api');
    const tags = await children(repository);
    assert.deepEqual(
      tags.map((item) => item.label),
      fixture.registries.find((candidate) => candidate.name === 'contosoabac')!.repositories!['team/api'],
    );
    const reference = `${registry.loginServer}/team/api:${tags[0].label}`;
    try {
      await vscode.commands.executeCommand('acrAccess.pullImage', tags[0].node);
      await run('docker', ['image', 'inspect', reference]);
    } finally {
      await run('docker', ['rmi', '--force', reference]).catch(() => undefined);
    }
  });

  describe('at scale', () => {
    const scale = fixture.registries.find((registry) => registry.name === 'contososcale')!;
    const pageSize = 100;

    it('shows the first page of 10,000 repositories after one data-plane request; Load more fetches exactly the next page', async () => {
      assert.equal(scale.generatedRepositories!.count, 10_000);
      const registry = await registryNamed('contososcale');
      tree.refresh(registry);
      let since = await lastSeq();
      const first = await contents(registry, { resolve: false });
      const requests = await dataPlaneRequests('contososcale', since);
      assert.deepEqual(requests.map((entry) => `${entry.method} ${entry.path}`), ['GET /acr/v1/_catalog']);
      assert.equal(first.length, pageSize + 1);
      assert.equal(first[pageSize].contextValue, 'loadMore');
      const names = first.slice(0, pageSize).map((item) => item.label);
      assert.deepEqual(names, [...names].sort());

      since = await lastSeq();
      await vscode.commands.executeCommand('acrAccess.loadMore', registry);
      const second = await contents(registry, { resolve: false });
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
      const requests = await dataPlaneRequests('contososcale', since);
      assert.ok(found.includes(last), `${last} not found: ${JSON.stringify(found)} after ${JSON.stringify(requests)}`);
      assert.ok(found.every((name) => name.startsWith(last.slice(0, -2))));
      assert.ok(requests.length <= 2);
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

  function nextTreeChange(): Promise<void> {
    return new Promise((resolve) => {
      const listening = tree.onDidChangeTreeData(() => {
        listening.dispose();
        resolve();
      });
    });
  }

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
