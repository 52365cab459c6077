import * as vscode from 'vscode';
import { TokenNode } from '../tree/nodes';
import { Services } from './services';
import { tokenRegistry, withTokenProgress } from './tokenForms';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

/** Delete Token...: after asking; its passwords stop working. Its scope map stays (other tokens may use it). */
export async function deleteToken(services: Services, node: TokenNode): Promise<void> {
  const target = await tokenRegistry(services, node.parent.parent, vscode.l10n.t('Delete Token'));
  if (!target) return;
  await checkArmChange(services, target.tokens.registry, vscode.l10n.t('Deleting tokens in registry {0}', target.tokens.registry.name), [registryActions.deleteTokens], 'delete');
  const name = node.token.name;
  const confirm = vscode.l10n.t('Delete Token');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete the token {0} of {1}?', name, target.registry.loginServer),
    { modal: true, detail: vscode.l10n.t('Its passwords stop working everywhere they are used. Its scope map {0} stays. This cannot be undone.', node.token.scopeMap) },
    confirm,
  );
  if (choice !== confirm) return;
  await withTokenProgress(vscode.l10n.t('Deleting token {0}', name), (signal) => target.tokens.deleteToken(name, signal));
  services.log.info(`Deleted token ${name} on ${target.registry.loginServer}`);
  services.tree.refreshAccessGroups(target.registry);
}
