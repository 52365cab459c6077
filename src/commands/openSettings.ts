import * as vscode from 'vscode';

/** The settings editor at one setting, or at this extension's settings when none is named. */
export function openSettings(setting: string | undefined): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', setting ?? '@ext:acraccess.acr-access');
}
