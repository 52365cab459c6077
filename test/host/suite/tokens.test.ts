import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import type { RegistryNode, TreeNode } from '../../../src/tree/nodes';
import { hostEmulator } from '../emulator';

describe('Registry tree: Tokens and Scope maps', function () {
  this.timeout(120_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  let tree: AcrAccessExports['registryTree'];

  const items = async (node: TreeNode): Promise<Array<{ node: TreeNode; item: vscode.TreeItem }>> => (await tree.getChildren(node)).map((child) => ({ node: child, item: tree.getTreeItem(child) }));

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

  it('puts Tokens and Scope maps first under a registry ARM listed, read from ARM when expanded', async () => {
    const registry = await registryNamed('contosoapps');
    const [tokens, scopeMaps] = await items(registry);
    assert.deepEqual([tokens.item.contextValue, scopeMaps.item.contextValue], ['tokens', 'scopeMaps']);

    const tokenItems = await items(tokens.node);
    assert.deepEqual(
      tokenItems.map(({ item }) => [item.label, item.contextValue, item.description]),
      [['hellopuller', 'token;enabled', 'hello-pull']],
    );
    assert.match(tokenItems[0].item.tooltip as string, /password1: no expiry/);

    const mapItems = await items(scopeMaps.node);
    assert.deepEqual(
      mapItems.map(({ item }) => [item.label, item.contextValue]),
      [
        ['hello-pull', 'scopeMap;userDefined'],
        ['_repositories_admin', 'scopeMap;builtIn'],
        ['_repositories_pull', 'scopeMap;builtIn'],
        ['_repositories_push', 'scopeMap;builtIn'],
      ],
    );
  });

  it('Disable, as an account with only Reader in ARM, changes nothing and leaves the token enabled', async () => {
    const registry = await registryNamed('contosoapps');
    const [tokens] = await tree.getChildren(registry);
    const [token] = await tree.getChildren(tokens);
    assert.equal(token.kind, 'token');
    await vscode.commands.executeCommand('acrAccess.disableToken', token);
    tree.refresh(tokens);
    const [after] = await items(tokens);
    assert.equal(after.item.contextValue, 'token;enabled');
  });
});
