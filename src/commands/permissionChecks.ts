import * as vscode from 'vscode';
import { allows, assignRoles, MissingPermissionError, Permission, readPermissions } from '../azure/permissions';
import { RegistrySummary } from '../azure/registries';
import { configuredCloud } from '../settings';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/** The caller's permissions on a registry ARM listed, with a spinner in the status bar while ARM is asked. */
function permissionsOn(services: Services, registry: RegistrySummary): Thenable<Permission[] | undefined> {
  const account = services.account();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Checking your permissions on {0}', registry.name) }, () =>
    readPermissions((tenantId) => account.credential(tenantId), configuredCloud(), registry),
  );
}

/**
 * Before the first question of a change in ARM: says what the caller's roles on the registry lack, and which
 * role grants it. When ARM does not say, the command goes on as before, and a refusal is explained when it comes.
 */
export async function checkArmChange(services: Services, registry: RegistrySummary, what: string, actions: readonly string[], attempt: 'write' | 'delete' = 'write'): Promise<void> {
  const permissions = await permissionsOn(services, registry);
  const missing = permissions ? actions.filter((action) => !allows(permissions, action)) : [];
  if (!permissions || missing.length === 0) return;
  throw new MissingPermissionError(what, missing, { attempt, plane: 'arm', abac: registry.abac, mayAssignRoles: allows(permissions, assignRoles), scope: vscode.l10n.t('registry {0}', registry.name) });
}

/**
 * Before a delete in a repository is confirmed: whether the registry grants the caller's sign-in `delete` there
 * (the access token's `access`, docs/protocol.md section 6). A token that cannot be had now lets the command go on.
 */
export async function checkRepositoryDelete(services: Services, registry: RegistryNode, repository: string, what: string): Promise<void> {
  const scope = `repository:${repository}:delete`;
  const granted = await services.tree.content(registry).grants(scope).catch(() => undefined);
  if (granted !== false) return;
  const permissions = registry.summary && (await permissionsOn(services, registry.summary));
  throw new MissingPermissionError(what, [scope], {
    attempt: 'delete',
    plane: 'data',
    abac: registry.summary?.abac,
    mayAssignRoles: permissions ? allows(permissions, assignRoles) : false,
    scope: vscode.l10n.t('registry {0}', registry.summary?.name ?? registry.loginServer),
    repository,
  });
}
