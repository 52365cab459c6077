import * as vscode from 'vscode';
import { registryLimits, splitScopeMapActions } from '../azure/tokenRules';
import { ScopeMapNode } from '../tree/nodes';
import { Services } from './services';
import { askScopeMapActions, tokenRegistry, withTokenProgress } from './tokenForms';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

/** Edit Scope Map...: its repositories and permissions; every token that uses it gets the change. */
export async function editScopeMap(services: Services, node: ScopeMapNode): Promise<void> {
  const { scopeMap } = node;
  if (scopeMap.builtIn) throw new Error(vscode.l10n.t('{0} is a built-in scope map and cannot be changed. Create Token... can make a scope map of your own.', scopeMap.name));
  const title = vscode.l10n.t('Edit Scope Map {0}', scopeMap.name);
  const target = await tokenRegistry(services, node.parent.parent, title);
  if (!target) return;
  await checkArmChange(services, target.tokens.registry, vscode.l10n.t('Changing scope maps in registry {0}', target.tokens.registry.name), [registryActions.writeScopeMaps]);
  const actions = await askScopeMapActions(title, registryLimits(target.registry.summary?.sku ?? ''), splitScopeMapActions(scopeMap.actions));
  if (!actions) return;
  await withTokenProgress(vscode.l10n.t('Saving scope map {0}', scopeMap.name), (signal) => target.tokens.updateScopeMap(scopeMap.name, actions, signal));
  services.log.info(`Changed scope map ${scopeMap.name} on ${target.registry.loginServer} to ${actions.length} actions`);
  services.tree.refreshAccessGroups(target.registry);
}
