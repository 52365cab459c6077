import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitForWorkbenchText } from '../workbench';

describe('Registries view', () => {
  it('shows the signed-out welcome when nobody is signed in', async () => {
    await vscode.commands.executeCommand('acrAccess.signOut');
    await vscode.commands.executeCommand('acrAccess.registries.focus');
    const texts = await waitForWorkbenchText('.welcome-view-content', 'Sign in to Azure to log Docker in to your container registries');
    assert.equal(texts.length, 1);
  });

  it('opens the ACR Access log from Show Log', async () => {
    await vscode.commands.executeCommand('acrAccess.showLog');
    await waitForWorkbenchText('.panel .monaco-select-box, .panel select', 'ACR Access');
  });
});
