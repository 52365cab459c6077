import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import type { RegistryNode, TreeNode } from '../../../src/tree/nodes';
import type { Fixture } from '../../emulator/fixture';
import componentFixture from '../../emulator/fixtures/component.json';
import { hostEmulator } from '../emulator';

const fixture = componentFixture as unknown as Fixture;

/** What the Registries view shows of a logged-in registry and of a repository Find Repository... reached. */
describe('Registry tree: descriptions', function () {
  this.timeout(120_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  let tree: AcrAccessExports['registryTree'];

  const described = async (node: TreeNode) =>
    (await tree.getChildren(node)).map((child) => {
      const item = tree.getTreeItem(child);
      return { node: child, label: typeof item.label === 'string' ? item.label : item.label?.label, description: item.description, spoken: item.accessibilityInformation?.label };
    });

  async function registryNamed(name: string): Promise<RegistryNode> {
    const registry = (await tree.allRegistries()).find((node) => node.summary?.name === name);
    assert.ok(registry, `no registry ${name}`);
    return registry;
  }

  before(async () => {
    const extension = vscode.extensions.getExtension<AcrAccessExports>('acraccess.acr-access');
    assert.ok(extension);
    tree = (await extension.activate()).registryTree;
    await vscode.commands.executeCommand('acrAccess.signOut');
    await vscode.commands.executeCommand('acrAccess.logInDocker', [apps]);
    tree.refresh();
  });

  after(async () => {
    await vscode.commands.executeCommand('acrAccess.signOut');
  });

  it('a logged-in registry says "Docker logged in" and the time left after its SKU and region; the others SKU and region alone', async () => {
    const apps = await registryNamed('contosoapps');
    const scale = await registryNamed('contososcale');
    const [appsItem, scaleItem] = [apps, scale].map((registry) => tree.getTreeItem(registry));
    const sku = (name: string) => fixture.registries.find((registry) => registry.name === name)!;
    assert.match(String(appsItem.description), new RegExp(`^${sku('contosoapps').sku} · ${sku('contosoapps').location} · Docker logged in · \\d+h \\d+m$`));
    assert.equal(scaleItem.description, `${sku('contososcale').sku} · ${sku('contososcale').location}`);
  });

  it('a repository found beyond the pages loaded is marked "found" and placed in name order, not at the top', async () => {
    const registry = await registryNamed('contososcale');
    tree.refresh(registry);
    const repositories = async () => (await described(registry)).filter((child) => child.node.kind === 'repository');
    const firstPage = await repositories();
    const { prefix, count } = fixture.registries.find((candidate) => candidate.name === 'contososcale')!.generatedRepositories!;
    const last = `${prefix}${String(count).padStart(5, '0')}`;
    assert.ok(!firstPage.some((child) => child.label === last), 'the last repository is on the first page');

    // What Find Repository... does once its quick pick is answered (the e2e tier types into it).
    const [found] = await tree.findRepositories(registry, last);
    tree.openRepository(registry, found, { found: true });
    const shown = await repositories();
    const labels = shown.map((child) => child.label ?? '');
    assert.deepEqual(labels, [...labels].sort(), 'not in name order');
    assert.equal(labels.at(-1), last);
    const item = shown.at(-1)!;
    assert.equal(item.description, 'found');
    assert.match(item.spoken ?? '', /, found$/);
    assert.ok(shown.slice(0, -1).every((child) => child.description === undefined), 'a listed repository is marked found');
  });
});
