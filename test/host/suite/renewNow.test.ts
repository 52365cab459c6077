import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import { FileRefreshLock } from '../../../src/status/refreshLock';
import { extensionId } from '../activation';
import { runAcrCommand } from '../commands';
import { hostEmulator } from '../emulator';
import { waitForWorkbenchText } from '../workbench';

const notification = '.notifications-center .notification-list-item';

/**
 * The folder every window of this code-server keeps the extension's renewal locks in: its global storage, under
 * the --user-data-dir code-server was started with (read from the command line of an ancestor process, Linux).
 */
async function sharedLockFolder(): Promise<string> {
  for (let pid = process.ppid; pid > 1; ) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const at = args.indexOf('--user-data-dir');
    if (at >= 0) return join(args[at + 1], 'User', 'globalStorage', extensionId);
    pid = Number(/^PPid:\s*(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
  }
  throw new Error('no ancestor process was started with --user-data-dir');
}

describe('Renew Now while another window renews the same registry (its lock and record in the shared global storage)', function () {
  this.timeout(120_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  let renewals: AcrAccessExports['renewals'];
  /** Another VS Code window, as far as renewals go: its lock on the same files. */
  let otherWindow: FileRefreshLock;

  const status = () => renewals.statuses().find(({ login }) => login.loginServer === apps);
  const exchanges = async () => (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosoapps' && entry.path === '/oauth2/exchange');

  before(async () => {
    renewals = (await vscode.extensions.getExtension<AcrAccessExports>(extensionId)!.activate()).renewals;
    otherWindow = new FileRefreshLock(await sharedLockFolder());
  });

  beforeEach(async () => {
    // Whatever ran before: VS Code's account signed in, Docker logged in to contosoapps alone, no notification.
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');
    await vscode.commands.executeCommand('acrAccess.signOut');
    await runAcrCommand('acrAccess.logInDocker', [apps]);
    assert.ok(status(), `${apps} is not kept renewed`);
    await vscode.commands.executeCommand('notifications.clearAll');
    await emulator.client.clearLog();
  });

  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('acrAccess.signOut');
  });

  it('another window has just renewed it (its record beside the lock): says so and until when, renews nothing here', async () => {
    const { login } = status()!;
    const renewedThere = { ...login, expiresOn: login.expiresOn! + 60_000 };
    const release = await otherWindow.acquire(apps);
    assert.ok(release, 'the other window could not take the lock');
    await otherWindow.recordRenewal({ login: renewedThere, at: Date.now() });
    await release();

    await runAcrCommand('acrAccess.renewNow', apps);
    await vscode.commands.executeCommand('notifications.showList');
    const [text] = await waitForWorkbenchText(notification, 'Another VS Code window had already renewed contosoapps, so nothing was renewed here. Valid until ');
    assert.doesNotMatch(text, /Docker credentials renewed/);
    assert.deepEqual(await exchanges(), [], 'renewed here as well');
    assert.equal(status()?.login.expiresOn, renewedThere.expiresOn, 'the renewal made there was not taken up');
  });

  it('another window is renewing it right now (holds its lock): says so, renews nothing here', async () => {
    const release = await otherWindow.acquire(apps);
    assert.ok(release, 'the other window could not take the lock');
    try {
      await runAcrCommand('acrAccess.renewNow', apps);
    } finally {
      await release();
    }
    await vscode.commands.executeCommand('notifications.showList');
    const [text] = await waitForWorkbenchText(notification, 'Another VS Code window is renewing contosoapps right now.');
    assert.doesNotMatch(text, /Docker credentials renewed/);
    assert.deepEqual(await exchanges(), [], 'renewed here as well');
  });

  it('nobody else renewing: renewed here, and until when', async () => {
    const before = status()!.login.expiresOn;
    await runAcrCommand('acrAccess.renewNow', apps);
    await vscode.commands.executeCommand('notifications.showList');
    await waitForWorkbenchText(notification, 'Docker credentials renewed for contosoapps. Valid until ');
    assert.equal((await exchanges()).length, 1);
    assert.ok(status()!.login.expiresOn! >= before!);
  });
});
