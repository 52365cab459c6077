// Every command that changes a registry reads what the caller may do before its first question: ARM's
// permissions API for changes in ARM, the access token's grant for deletes in a repository. Signed in as an
// account with only Reader on contosoapps (docs/protocol.md section 8), each command ends at that check: it
// asks nothing (an input box or quick pick would wait here for ever) and sends nothing else.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import type { RegistryNode, TreeNode } from '../../../src/tree/nodes';
import { hostEmulator } from '../emulator';

describe('Registry-changing commands check permissions before asking', function () {
  this.timeout(120_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  let tree: AcrAccessExports['registryTree'];

  const lastSeq = async () => Math.max(0, ...(await emulator.client.log()).map((entry) => entry.seq));
  const requestsSince = async (since: number) => (await emulator.client.log()).filter((entry) => entry.seq > since);
  const nameOf = (node: TreeNode): string | undefined =>
    node.kind === 'token' ? node.token.name : node.kind === 'scopeMap' ? node.scopeMap.name : node.kind === 'repository' ? node.name : undefined;
  const child = async (node: TreeNode, kind: TreeNode['kind'], name?: string): Promise<TreeNode> => {
    const found = (await tree.getChildren(node)).find((candidate) => candidate.kind === kind && (name === undefined || nameOf(candidate) === name));
    assert.ok(found, `no ${kind} ${name ?? ''}`);
    return found;
  };
  async function contosoapps(): Promise<RegistryNode> {
    const registry = (await tree.allRegistries()).find((node) => node.summary?.name === 'contosoapps');
    assert.ok(registry);
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

  const armCommands: Array<[command: string, node: (registry: RegistryNode) => TreeNode | Promise<TreeNode>]> = [
    ['acrAccess.createToken', (registry) => registry],
    ['acrAccess.generateTokenPassword', async (registry) => child(await child(registry, 'tokens'), 'token', 'hellopuller')],
    ['acrAccess.enableToken', async (registry) => child(await child(registry, 'tokens'), 'token', 'hellopuller')],
    ['acrAccess.disableToken', async (registry) => child(await child(registry, 'tokens'), 'token', 'hellopuller')],
    ['acrAccess.deleteToken', async (registry) => child(await child(registry, 'tokens'), 'token', 'hellopuller')],
    ['acrAccess.editScopeMap', async (registry) => child(await child(registry, 'scopeMaps'), 'scopeMap', 'hello-pull')],
    ['acrAccess.enableAdminUser', (registry) => registry],
    ['acrAccess.disableAdminUser', (registry) => registry],
    ['acrAccess.regenerateAdminPassword', (registry) => registry],
  ];
  for (const [command, nodeOf] of armCommands) {
    it(`${command}: reads the permissions on the registry, and as Reader goes no further`, async () => {
      const node = await nodeOf(await contosoapps());
      const since = await lastSeq();
      await vscode.commands.executeCommand(command, node);
      const arm = (await requestsSince(since)).filter((entry) => entry.server === 'arm' && entry.path.includes('/registries/contosoapps'));
      assert.deepEqual(
        arm.map((entry) => [entry.method, entry.path.replace(/^.*\/registries\/contosoapps/, ''), entry.status]),
        [['GET', '/providers/Microsoft.Authorization/permissions', 200]],
      );
    });
  }

  it('when the permissions API fails, the command goes on and the change meets ARM as before', async () => {
    const token = await child(await child(await contosoapps(), 'tokens'), 'token', 'hellopuller');
    const fault = await emulator.client.addFault({ server: 'arm', path: '/providers/Microsoft.Authorization/permissions$', mode: 'status', status: 403 });
    try {
      const since = await lastSeq();
      await vscode.commands.executeCommand('acrAccess.disableToken', token);
      const writes = (await requestsSince(since)).filter((entry) => entry.server === 'arm' && entry.method === 'PATCH' && entry.path.endsWith('/tokens/hellopuller'));
      assert.ok(writes.length > 0 && writes.every((entry) => entry.status === 403), JSON.stringify(writes));
    } finally {
      await emulator.client.removeFault(fault);
    }
  });

  describe('deletes in a repository', () => {
    const dataRequests = async (since: number) => (await requestsSince(since)).filter((entry) => entry.server === 'registry:contosoapps');
    let hello: TreeNode;
    let tag: TreeNode;
    before(async () => {
      hello = await child(await contosoapps(), 'repository', 'hello');
      [tag] = await tree.getChildren(hello);
    });

    it('Untag asks the registry for a delete token before its confirmation, and deletes nothing', async () => {
      const since = await lastSeq();
      await vscode.commands.executeCommand('acrAccess.untag', tag);
      const requests = await dataRequests(since);
      assert.ok(requests.some((entry) => entry.path === '/oauth2/token'), JSON.stringify(requests));
      assert.deepEqual(requests.filter((entry) => entry.method === 'DELETE'), []);
    });

    it('Delete Image and Delete Repository end at the check: they read nothing of the image or repository', async () => {
      const since = await lastSeq();
      await vscode.commands.executeCommand('acrAccess.deleteImage', tag);
      await vscode.commands.executeCommand('acrAccess.deleteRepository', hello);
      assert.deepEqual((await dataRequests(since)).filter((entry) => entry.path !== '/oauth2/token'), []);
    });
  });
});
