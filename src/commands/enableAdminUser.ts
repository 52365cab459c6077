import * as vscode from 'vscode';
import { setAdminUserEnabled } from '../azure/adminUser';
import { configuredCloud } from '../settings';
import { RegistryNode } from '../tree/nodes';
import { pickArmRegistry } from './pickArmRegistry';
import { Services } from './services';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

/** Enable Admin User...: switches a registry's admin user on, only after the user confirms it knowing it is full access. */
export function enableAdminUser(services: Services, node?: RegistryNode): Promise<void> {
  return switchAdminUser(services, node, true);
}

/** Disable Admin User...: switches it off again, after saying what stops working. */
export function disableAdminUser(services: Services, node?: RegistryNode): Promise<void> {
  return switchAdminUser(services, node, false);
}

async function switchAdminUser(services: Services, node: RegistryNode | undefined, enable: boolean): Promise<void> {
  const picked = await pickArmRegistry(services, node, enable ? vscode.l10n.t('ACR: Enable Admin User') : vscode.l10n.t('ACR: Disable Admin User'));
  if (!picked) return;
  const { summary } = picked;
  await checkArmChange(services, summary, enable ? vscode.l10n.t('Enabling the admin user of registry {0}', summary.name) : vscode.l10n.t('Disabling the admin user of registry {0}', summary.name), [registryActions.writeRegistry]);
  const confirm = enable ? vscode.l10n.t('Enable Admin User') : vscode.l10n.t('Disable Admin User');
  const choice = await vscode.window.showWarningMessage(
    enable ? vscode.l10n.t('Enable the admin user of {0}?', summary.name) : vscode.l10n.t('Disable the admin user of {0}?', summary.name),
    {
      modal: true,
      detail: enable
        ? vscode.l10n.t(
            'The admin user is a user name with two passwords that can push, pull and delete every repository, for anyone who has one, and they do not expire. Repository-scoped access tokens and ACR tokens give less. Disable it when you no longer need it.',
          )
        : vscode.l10n.t('Everything that logs in with the admin user (Docker logins, pipelines, other machines) stops working.'),
    },
    confirm,
  );
  if (choice !== confirm) return;
  const account = services.account();
  const enabled = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: confirm }, () =>
    setAdminUserEnabled((tenantId) => account.credential(tenantId), configuredCloud(), summary, enable),
  );
  services.log.info(`The admin user of ${summary.loginServer} is now ${enabled ? 'enabled' : 'disabled'}`);
  // The tooltip and menus read the registry as ARM listed it.
  services.tree.refresh(picked.node.parent);
  void vscode.window.showInformationMessage(
    enabled ? vscode.l10n.t('The admin user of {0} is enabled. Disable it when you no longer need it.', summary.name) : vscode.l10n.t('The admin user of {0} is disabled.', summary.name),
  );
}
