import * as vscode from 'vscode';
import { registryLabel } from '../status/expiryStatusBar';
import { Services } from './services';

/**
 * ACR: Renew Docker Credentials Now. Renews the registry given (from the status bar) or every registry,
 * whatever the schedule says, and says how it went.
 */
export async function renewNow(services: Services, loginServer?: string): Promise<void> {
  const targets = loginServer ? [loginServer] : services.state.dockerLogins.map((login) => login.loginServer);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This extension has not logged Docker in to any registry.'));
    return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Renewing Docker credentials') }, () =>
    services.scheduler.renewNow(targets),
  );
  const statuses = services.scheduler.statuses().filter((status) => targets.includes(status.login.loginServer));
  // A failure only the user can fix has its own notification, with the action that fixes it.
  if (statuses.some((status) => status.health.kind === 'needsUser')) return;
  const retrying = statuses.find((status) => status.health.kind === 'retrying');
  if (retrying?.health.kind === 'retrying') throw retrying.health.error;
  void vscode.window.showInformationMessage(vscode.l10n.t('Docker credentials renewed for {0}.', statuses.map((status) => registryLabel(status.login)).join(', ')));
}
