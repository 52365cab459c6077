import * as vscode from 'vscode';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/** Copy Login Server: what `docker login` and image references start with. */
export async function copyLoginServer(_services: Services, node: RegistryNode): Promise<void> {
  await vscode.env.clipboard.writeText(node.loginServer);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', node.loginServer), 3000);
}
