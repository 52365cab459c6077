import * as vscode from 'vscode';
import { TokenNode } from '../tree/nodes';
import { Services } from './services';
import { tokenRegistry, withTokenProgress } from './tokenForms';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

export function enableToken(services: Services, node: TokenNode): Promise<void> {
  return setTokenEnabled(services, node, true);
}

/** Disable: the token's passwords stop working everywhere until it is enabled again. */
export function disableToken(services: Services, node: TokenNode): Promise<void> {
  return setTokenEnabled(services, node, false);
}

async function setTokenEnabled(services: Services, node: TokenNode, enabled: boolean): Promise<void> {
  const target = await tokenRegistry(services, node.parent.parent, enabled ? vscode.l10n.t('Enable Token') : vscode.l10n.t('Disable Token'));
  if (!target) return;
  const { registry } = target.tokens;
  await checkArmChange(services, registry, enabled ? vscode.l10n.t('Enabling tokens in registry {0}', registry.name) : vscode.l10n.t('Disabling tokens in registry {0}', registry.name), [registryActions.writeTokens]);
  const name = node.token.name;
  await withTokenProgress(enabled ? vscode.l10n.t('Enabling token {0}', name) : vscode.l10n.t('Disabling token {0}', name), (signal) => target.tokens.setTokenEnabled(name, enabled, signal));
  services.log.info(`${enabled ? 'Enabled' : 'Disabled'} token ${name} on ${target.registry.loginServer}`);
  services.tree.refreshAccessGroups(target.registry);
}
