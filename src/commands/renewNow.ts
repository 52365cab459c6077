import * as vscode from 'vscode';
import { DockerLogin } from '../auth/signInState';
import { registryLabel } from '../status/expiryStatusBar';
import { RenewalOutcome } from '../status/refreshScheduler';
import { formatTime } from './logInDocker';
import { Services } from './services';

/**
 * ACR: Renew Docker Credentials Now. Renews the registry given (from the status bar) or every registry,
 * whatever the schedule says, and says in one message what came of each: renewed here, renewed by another
 * window already (or being renewed there now), nothing to renew, or why it failed. A failure only the user can
 * fix is left to its own notification, which has the action that fixes it (status/renewalProblems.ts).
 */
export async function renewNow(services: Services, loginServer?: string): Promise<void> {
  const targets = loginServer ? [loginServer] : services.state.dockerLogins.map((login) => login.loginServer);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This extension has not logged Docker in to any registry.'));
    return;
  }
  const labels = new Map(services.state.dockerLogins.map((login) => [login.loginServer, registryLabel(login)]));
  const outcomes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Renewing Docker credentials') }, () =>
    services.scheduler.renewNow(targets),
  );
  const told = outcomes.filter((outcome) => outcome.kind !== 'failed' || !outcome.advice.needsUser);
  if (told.length === 0) return;
  const message = renewalMessage(told, (server) => labels.get(server) ?? server);
  if (told.some((outcome) => outcome.kind === 'failed')) {
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(message, showLog).then((choice) => choice === showLog && services.log.show());
  } else {
    void vscode.window.showInformationMessage(message);
  }
}

type Outcome<Kind extends RenewalOutcome['kind']> = Extract<RenewalOutcome, { kind: Kind }>;

/** One sentence per kind of outcome, registries listed in the user's language. */
function renewalMessage(outcomes: readonly RenewalOutcome[], label: (loginServer: string) => string): string {
  const list = (some: readonly RenewalOutcome[]): string => new Intl.ListFormat(vscode.env.language, { type: 'conjunction' }).format(some.map((outcome) => label(outcome.loginServer)));
  const ofKind = <Kind extends RenewalOutcome['kind']>(kind: Kind): Outcome<Kind>[] => outcomes.filter((outcome): outcome is Outcome<Kind> => outcome.kind === kind);
  const renewedHere = ofKind('renewed');
  const renewed = renewedHere.filter((outcome) => outcome.login.via === 'entra');
  const checked = renewedHere.filter((outcome) => outcome.login.via !== 'entra');
  const elsewhere = ofKind('renewedElsewhere');
  const locked = ofKind('lockedElsewhere');
  const nothing = ofKind('nothingToDo');

  const sentences: string[] = [];
  if (renewed.length > 0) sentences.push(vscode.l10n.t('Docker credentials renewed for {0}.', list(renewed)), validUntil(renewed));
  if (checked.length === 1) sentences.push(vscode.l10n.t('The password for {0} still works.', list(checked)));
  if (checked.length > 1) sentences.push(vscode.l10n.t('The passwords for {0} still work.', list(checked)));
  if (elsewhere.length === 1) sentences.push(vscode.l10n.t('Another VS Code window had already renewed {0}, so nothing was renewed here.', list(elsewhere)));
  if (elsewhere.length > 1) sentences.push(vscode.l10n.t('Other VS Code windows had already renewed {0}, so nothing was renewed here.', list(elsewhere)));
  if (elsewhere.length > 0) sentences.push(validUntil(elsewhere));
  if (locked.length === 1) sentences.push(vscode.l10n.t('Another VS Code window is renewing {0} right now.', list(locked)));
  if (locked.length > 1) sentences.push(vscode.l10n.t('Other VS Code windows are renewing {0} right now.', list(locked)));
  if (nothing.length > 0) sentences.push(vscode.l10n.t('This extension has not logged Docker in to {0}, so there was nothing to renew.', list(nothing)));
  for (const failed of ofKind('failed')) sentences.push(vscode.l10n.t('{0} was not renewed: {1}', label(failed.loginServer), failed.advice.message));
  return sentences.filter((sentence) => sentence !== '').join(' ');
}

/** When the soonest of these renewed credentials expires, or nothing when none has an expiry. */
function validUntil(renewed: readonly { login: DockerLogin }[]): string {
  const expiries = renewed.flatMap(({ login }) => (login.via === 'entra' && login.expiresOn !== undefined ? [login.expiresOn] : []));
  if (expiries.length === 0) return '';
  const soonest = formatTime(Math.min(...expiries));
  return expiries.length === 1 ? vscode.l10n.t('Valid until {0}.', soonest) : vscode.l10n.t('All valid until at least {0}.', soonest);
}
