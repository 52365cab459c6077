import * as assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { runAcrCommand } from '../commands';
import { hostEmulator } from '../emulator';

/** Every JWT-shaped string in a text, with its payload decoded when it decodes. */
function jwtsIn(text: string): Record<string, unknown>[] {
  return [...text.matchAll(/eyJ[A-Za-z0-9_-]{10,}\.([A-Za-z0-9_-]{10,})\.[A-Za-z0-9_-]*/g)].map((match) => {
    try {
      return JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return { undecodable: true };
    }
  });
}

/** The files of code-server's user data folder (logs, settings, extension storage), next to the workspace. */
async function userDataFiles(): Promise<string[]> {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(workspace, 'the host suite runs with a workspace folder');
  const userData = join(dirname(workspace), 'user-data');
  const names = await readdir(userData, { recursive: true, encoding: 'utf8' });
  return names.map((name) => join(userData, name));
}

async function read(file: string): Promise<string | undefined> {
  return readFile(file, 'latin1').catch(() => undefined);
}

describe('Create Repository-Scoped Access Token', function () {
  this.timeout(120_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');

  before(async () => {
    const extension = vscode.extensions.getExtension('acraccess.acr-access');
    assert.ok(extension);
    await extension.activate();
    await vscode.commands.executeCommand('acrAccess.signOut');
    await vscode.commands.executeCommand('acrAccess.logInDocker', [apps]);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('acrAccess.signOut');
  });

  it("opens a rendered preview of a read-only document with the token's grants and expiry, and the token reaches no log, setting or storage", async () => {
    await runAcrCommand('acrAccess.createAccessToken', apps, { repositories: ['hello'], actions: ['pull'] });
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('markdown.preview'), `the active tab is not a Markdown preview: ${JSON.stringify(tab?.input)}`);
    assert.equal(vscode.window.activeTextEditor, undefined, 'the raw Markdown is shown in an editor');
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.scheme === 'acr-access-token');
    assert.ok(document, 'no access token document was opened');
    const text = document.getText();
    assert.match(text, /This is an \*\*access token\*\*/);
    assert.match(text, /\| `hello` \| pull \|/);
    assert.match(text, /Copy Access Token/);
    assert.deepEqual(jwtsIn(text), [], 'the document holds a token');
    // The preview's Copy Access Token button, which passes no document.
    await vscode.env.clipboard.writeText('');
    await runAcrCommand('acrAccess.copyAccessToken');
    assert.deepEqual(
      jwtsIn(await vscode.env.clipboard.readText()).map((claims) => claims.access),
      [[{ type: 'repository', name: 'hello', actions: ['pull'] }]],
    );

    const tokenRequests = (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosoapps' && entry.path === '/oauth2/token' && entry.status === 200);
    assert.ok(tokenRequests.length > 0, 'no access token was requested');

    // The log line written with the token proves the log file was flushed past it.
    const deadline = Date.now() + 30_000;
    let files: string[] = [];
    while (Date.now() < deadline) {
      files = await userDataFiles();
      const logs = await Promise.all(files.filter((file) => file.endsWith('ACR Access.log')).map(read));
      if (logs.some((log) => log?.includes(`Created an access token for ${apps}`))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(Date.now() < deadline, 'the log never said the access token was created');
    for (const file of files) {
      const content = await read(file);
      if (content === undefined) continue;
      // Memento and secret storage share the state database, where Docker's refresh token is kept on purpose.
      const accessTokens = jwtsIn(content).filter((claims) => claims.grant_type !== 'refresh_token');
      assert.deepEqual(accessTokens.length, 0, `${file} holds an access token or another JWT`);
    }
    assert.deepEqual(jwtsIn(JSON.stringify(await emulator.client.telemetry())), [], 'a token reached telemetry');
  });

  it('refuses a wildcard and an empty repository list before any request', async () => {
    await emulator.client.clearLog();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const repositories of [['team/*'], []]) {
      await runAcrCommand('acrAccess.createAccessToken', apps, { repositories, actions: ['pull'] });
      assert.equal(vscode.window.activeTextEditor, undefined, `a document was opened for ${JSON.stringify(repositories)}`);
    }
    const requests = (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosoapps' && entry.path.startsWith('/oauth2/'));
    assert.deepEqual(requests, []);
  });
});
