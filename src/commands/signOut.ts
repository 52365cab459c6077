import * as vscode from 'vscode';
import { isPersonSource } from '../auth/signInState';
import { Services } from './services';

/** ACR: Sign Out. Logs Docker out of every registry this extension logged it in to, and forgets the account. */
export async function signOut(services: Services): Promise<void> {
  const count = services.state.dockerLogins.length;
  await services.dockerLogins.logOutAll();
  const source = services.state.source;
  if (source?.kind === 'clientSecret') await services.state.setServicePrincipalSecret(source.clientId, undefined);
  if (source && isPersonSource(source)) await (await services.personSignIn(source)).signOut();
  await services.state.setSource(undefined);
  services.log.info(`Signed out; Docker logged out of ${count} registries`);
  void vscode.window.showInformationMessage(
    count === 0
      ? vscode.l10n.t('Signed out.')
      : count === 1
        ? vscode.l10n.t('Signed out. Docker was logged out of 1 registry.')
        : vscode.l10n.t('Signed out. Docker was logged out of {0} registries.', count),
  );
}
