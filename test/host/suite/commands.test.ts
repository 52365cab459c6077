import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const extensionId = 'acraccess.acr-access';

interface Manifest {
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
}

describe('Commands', () => {
  it('registers exactly the commands package.json contributes', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not loaded in this extension host`);
    await extension.activate();
    const manifest = extension.packageJSON as Manifest;

    const contributed = manifest.contributes.commands.map(({ command }) => command).sort();
    // VS Code itself registers "<view id>.focus" and similar for every contributed view.
    const viewIds = Object.values(manifest.contributes.views).flat().map(({ id }) => id);
    const registered = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith('acrAccess.') && !viewIds.some((view) => id.startsWith(`${view}.`)))
      .sort();

    assert.ok(contributed.length > 0);
    assert.deepEqual(registered, contributed);
  });
});
