import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually } from '../../world/eventually';
import { waitForWorkbenchText, workbenchTexts } from '../workbench';

describe('Registries view', () => {
  it('shows the signed-out welcome when nobody is signed in', async () => {
    await vscode.commands.executeCommand('acrAccess.signOut');
    await vscode.commands.executeCommand('acrAccess.registries.focus');
    const texts = await waitForWorkbenchText('.welcome-view-content', 'Sign in to Azure to log Docker in to your container registries');
    assert.equal(texts.length, 1);
  });

  // Fails if Show Log leaves the panel closed or shows another channel: a channel picker that merely lists
  // ACR Access, or the log's text in a hidden panel, is not enough.
  it('opens the ACR Access log from Show Log', async () => {
    const { version } = vscode.extensions.getExtension('acraccess.acr-access')!.packageJSON as { version: string };
    const logLines = '.part.panel [id="workbench.panel.output"] .view-lines:visible';
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await eventually('the panel closed', async () => (await workbenchTexts(logLines)).length === 0, 15_000, 250);

    await vscode.commands.executeCommand('acrAccess.showLog');
    await waitForWorkbenchText('.part.panel .composite-bar .action-item.checked', 'OUTPUT');
    const selected = '.part.panel .monaco-select-box:visible option:checked';
    await eventually(
      'ACR Access selected in the Output view',
      async () => (await workbenchTexts(selected)).includes('ACR Access'),
      15_000,
      250,
    );
    // After other tests the log is longer than the view, which shows its end: go to its first line, as a user would.
    await vscode.commands.executeCommand('cursorTop');
    // The editor draws spaces as no-break spaces.
    const shownLog = async () => (await workbenchTexts(logLines)).join('\n').replace(/\u00a0/g, ' ');
    await eventually('the log shown, from its start', async () => (await shownLog()).includes(`[info] ACR Access ${version} started`), 15_000, 250);
  });
});
