import * as vscode from 'vscode';
import { parseServerAddress, serverAddressProblem } from '../docker/references';
import { Services } from './services';

/**
 * Add Registry by Login Server... For registries ARM does not list for this account: they show under
 * "Registries by login server", and are read with the signed-in account when the host may receive its tokens.
 */
export async function addRegistry(services: Services): Promise<void> {
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('ACR: Add Registry by Login Server'),
    prompt: vscode.l10n.t('The login server of the registry'),
    placeHolder: 'myregistry.azurecr.io',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? undefined : serverAddressProblem(value)),
  });
  if (!typed?.trim()) return;
  const loginServer = parseServerAddress(typed);
  await services.treeMemory.addLoginServer(loginServer);
  services.tree.redrawTop();
}
