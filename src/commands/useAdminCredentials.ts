import * as vscode from 'vscode';
import { listAdminCredentials } from '../azure/adminUser';
import { CommandId } from '../commandIds';
import { configuredCloud } from '../settings';
import { RegistryNode } from '../tree/nodes';
import { logInWithProgress } from './logInDocker';
import { pickArmRegistry } from './pickArmRegistry';
import { Services } from './services';

/**
 * Use Admin Credentials: logs Docker in with the registry's admin user, read from ARM (`listCredentials`),
 * after saying plainly that it is full access and offering a repository-scoped access token instead. The
 * password goes from ARM to Docker and the secret storage, and is never shown.
 */
export async function useAdminCredentials(services: Services, node?: RegistryNode): Promise<void> {
  const picked = await pickArmRegistry(services, node, vscode.l10n.t('ACR: Use Admin Credentials'));
  if (!picked) return;
  const { summary } = picked;
  const useAdmin = vscode.l10n.t('Use Admin User');
  const scoped = vscode.l10n.t('Create Access Token Instead');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('The admin user has full access to {0}.', summary.name),
    {
      modal: true,
      detail: vscode.l10n.t(
        'Anyone with its password can push, pull and delete every repository, and the password does not expire. A repository-scoped access token gives only the repositories and actions you choose, for minutes. Log Docker in with the admin user anyway?',
      ),
    },
    useAdmin,
    scoped,
  );
  if (choice === scoped) {
    await vscode.commands.executeCommand(CommandId.createAccessToken, picked.node);
    return;
  }
  if (choice !== useAdmin) return;
  const account = services.account();
  const credentials = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading the admin credentials') }, () =>
    listAdminCredentials((tenantId) => account.credential(tenantId), configuredCloud(), summary),
  );
  const password = credentials.passwords[0]?.value;
  if (!credentials.username || !password) throw new Error(vscode.l10n.t('Azure Resource Manager returned no admin password for {0}. Regenerate one with ACR: Regenerate Admin Password..., then try again.', summary.name));
  services.log.warn(`Logging Docker in to ${summary.loginServer} with the admin user (full access)`);
  await logInWithProgress(services, [summary.loginServer], (loginServer, signal) =>
    services.dockerLogins.logInWithPassword('adminUser', loginServer, credentials.username, password, signal, { registryName: summary.name }),
  );
}
