import * as vscode from 'vscode';
import { adviceFor, fixActionFor } from '../failures';
import { registryLabel } from './expiryStatusBar';
import { RefreshScheduler, RegistryStatus } from './refreshScheduler';

export interface RenewalProblemActions {
  /** Signs in again with the account registries were logged in with, then retries them. */
  signInAgain(): Thenable<unknown>;
  /** The full sign-in, e.g. to type a registry's new password or choose the sign-in method afresh. */
  signIn(): Thenable<unknown>;
  /** Opens the settings editor at this setting (the extension's settings when none is named). */
  openSettings(setting: string | undefined): Thenable<unknown>;
  showLog(): void;
  /** ACR: Diagnose Access for this registry. */
  diagnose(loginServer: string): Thenable<unknown>;
}

/**
 * Tells the user, once, when renewals need them: one notification however many registries failed, with the
 * action that fixes it. Failures that need the user are not retried on a timer, so another notification
 * comes only after something tried again (the user, or a change of account) and failed again.
 */
export class RenewalProblems implements vscode.Disposable {
  private notified = false;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly scheduler: RefreshScheduler,
    private readonly actions: RenewalProblemActions,
  ) {
    this.subscription = scheduler.onDidChange(() => this.update());
  }

  private update(): void {
    const statuses = this.scheduler.statuses();
    const waiting = statuses.filter((status) => status.health.kind === 'needsUser');
    if (waiting.length === 0) {
      // Fixed, or being tried again: a failure from here on is news.
      this.notified = false;
      return;
    }
    if (this.notified) return;
    this.notified = true;
    void this.notify(waiting);
  }

  private async notify(waiting: readonly RegistryStatus[]): Promise<void> {
    const first = waiting[0];
    const advice = adviceFor(first.health.kind === 'needsUser' ? first.health.error : undefined);
    const names = waiting.map((status) => registryLabel(status.login)).join(', ');
    const fix = fixActionFor(advice);
    // Signing in again the same way mends an expired or missing sign-in; a password, or a broken sign-in method, takes the full sign-in.
    const sameWay = fix === 'signIn' && first.login.via === 'entra' && advice.kind !== 'auth.signInMethod';
    const signIn = sameWay ? vscode.l10n.t('Sign In Again') : vscode.l10n.t('Sign In');
    const openSettings = vscode.l10n.t('Open Settings');
    const showLog = vscode.l10n.t('Show Log');
    const diagnose = vscode.l10n.t('Diagnose');
    const fixLabel = fix === 'signIn' ? signIn : fix === 'openSettings' ? openSettings : undefined;
    const choice = await vscode.window.showErrorMessage(
      vscode.l10n.t("Docker's credentials for {0} could not be renewed. {1}", names, advice.message),
      ...(fixLabel ? [fixLabel, diagnose, showLog] : [diagnose, showLog]),
    );
    if (choice === showLog) this.actions.showLog();
    if (choice === diagnose) await this.actions.diagnose(first.login.loginServer);
    if (choice === openSettings) await this.actions.openSettings(advice.setting);
    if (choice === signIn) await (sameWay ? this.actions.signInAgain() : this.actions.signIn());
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
