import * as vscode from 'vscode';
import { AdminPasswordName, regenerateAdminPassword as regenerate } from '../azure/adminUser';
import { configuredCloud } from '../settings';
import { RegistryNode } from '../tree/nodes';
import { pickArmRegistry } from './pickArmRegistry';
import { Services } from './services';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

/**
 * Regenerate Admin Password...: replaces one of the admin user's two passwords, after asking. The new password
 * is not shown; when Docker was logged in by this extension with the replaced one, it is logged in again with
 * the new one.
 */
export async function regenerateAdminPassword(services: Services, node?: RegistryNode, which?: AdminPasswordName): Promise<void> {
  const title = vscode.l10n.t('ACR: Regenerate Admin Password');
  const picked = await pickArmRegistry(services, node, title);
  if (!picked) return;
  const { summary } = picked;
  await checkArmChange(services, summary, vscode.l10n.t('Regenerating the admin passwords of registry {0}', summary.name), [registryActions.regenerateCredential]);
  const name =
    which ??
    (
      await vscode.window.showQuickPick(
        [
          { label: 'password', name: 'password' as const },
          { label: 'password2', name: 'password2' as const },
        ],
        { title, placeHolder: vscode.l10n.t('Which admin password of {0} to replace (two let you rotate one while the other works)', summary.name) },
      )
    )?.name;
  if (!name) return;
  const confirm = vscode.l10n.t('Regenerate {0}', name);
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Regenerate {0} of the admin user of {1}?', name, summary.name),
    { modal: true, detail: vscode.l10n.t('Everything that uses the current {0} (Docker logins, pipelines, other machines) stops working. The other password keeps working.', name) },
    confirm,
  );
  if (choice !== confirm) return;

  const account = services.account();
  const credentials = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Regenerating {0} of {1}', name, summary.name) }, () =>
    regenerate((tenantId) => account.credential(tenantId), configuredCloud(), summary, name),
  );
  services.log.info(`Regenerated the admin ${name} of ${summary.loginServer}`);

  const login = services.state.dockerLogins.find((candidate) => candidate.loginServer === summary.loginServer && candidate.via === 'adminUser');
  const secret = login && (await services.state.dockerSecret(summary.loginServer));
  const replaced = secret !== undefined && !credentials.passwords.some((password) => password.value === secret);
  const fresh = credentials.passwords.find((password) => password.name === name)?.value;
  if (login && replaced && fresh) {
    await services.dockerLogins.logInWithPassword('adminUser', summary.loginServer, credentials.username, fresh, undefined, { registryName: summary.name });
    void vscode.window.showInformationMessage(vscode.l10n.t('Regenerated {0} of {1}. Docker, which used it, is logged in with the new one.', name, summary.name));
  } else {
    void vscode.window.showInformationMessage(vscode.l10n.t('Regenerated {0} of {1}. The new password is not shown; ACR: Use Admin Credentials logs Docker in with it.', name, summary.name));
  }
}
