import * as vscode from 'vscode';
import { registryLabel } from './expiryStatusBar';
import { RefreshScheduler } from './refreshScheduler';

const alertedKey = 'acrAccess.passwordExpiryAlerts';
const dayMs = 24 * 60 * 60_000;

/**
 * A repository-scoped token's password cannot be renewed from here, so the user is warned a number of days
 * before it expires: once per password (remembered across reloads), checked whenever the schedule changes.
 */
export class PasswordExpiryAlerts implements vscode.Disposable {
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly scheduler: RefreshScheduler,
    private readonly memento: vscode.Memento,
    private readonly warningDays: () => number,
    private readonly signIn: () => Thenable<unknown>,
  ) {
    this.subscription = scheduler.onDidChange(() => void this.update());
  }

  private async update(): Promise<void> {
    const now = Date.now();
    const alerted = this.memento.get<Record<string, number>>(alertedKey, {});
    const due = this.scheduler
      .statuses()
      .map(({ login }) => login)
      .filter((login) => login.via === 'repositoryToken' && login.expiresOn !== undefined && login.expiresOn > now)
      .filter((login) => login.expiresOn! - now <= this.warningDays() * dayMs && alerted[login.loginServer] !== login.expiresOn);
    if (due.length === 0) return;
    await this.memento.update(alertedKey, { ...alerted, ...Object.fromEntries(due.map((login) => [login.loginServer, login.expiresOn!])) });
    const signIn = vscode.l10n.t('Sign In');
    for (const login of due) {
      const message = vscode.l10n.t(
        'The password of repository token {0} for {1} expires {2}. Docker will be refused after that: create a new password for the token, then sign in with it.',
        login.username,
        registryLabel(login),
        new Date(login.expiresOn!).toLocaleString(vscode.env.language),
      );
      void vscode.window.showWarningMessage(message, signIn).then((choice) => choice === signIn && this.signIn());
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
