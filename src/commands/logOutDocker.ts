import * as vscode from 'vscode';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/** ACR: Log Out Docker from Registry... Removes what this extension gave Docker for the registry picked (or given). */
export async function logOutDocker(services: Services, given?: string | RegistryNode): Promise<void> {
  const loginServer = typeof given === 'object' ? given.loginServer : given;
  const logins = services.state.dockerLogins;
  if (logins.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This extension has not logged Docker in to any registry.'));
    return;
  }
  const chosen =
    loginServer ??
    (
      await vscode.window.showQuickPick(
        logins.map((login) => ({ label: login.loginServer, description: login.persisted ? undefined : vscode.l10n.t('engine only') })),
        { title: vscode.l10n.t('ACR: Log Out Docker from Registry'), placeHolder: vscode.l10n.t('Registry to log Docker out of') },
      )
    )?.label;
  if (!chosen) return;
  await services.dockerLogins.logOut(chosen);
  services.log.info(`Docker logged out of ${chosen}`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Docker is logged out of {0}.', chosen));
}
