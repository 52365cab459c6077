import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { Account } from './auth/account';
import { SignInState } from './auth/signInState';
import { accountHooks } from './commands/accountHooks';
import { CommandId } from './commands/commandIds';
import { openSettings } from './commands/openSettings';
import { registerCommands, runCommand } from './commands/registerCommands';
import { Services } from './commands/services';
import { signInAgain } from './commands/signIn';
import { DockerLogins } from './dockerLogins';
import { configuredCloud, expiryWarningMs, refreshSettings, saveCredentialsForDocker, tokenPasswordWarningDays, trustedHosts } from './settings';
import { ExpiryStatusBar } from './status/expiryStatusBar';
import { PasswordExpiryAlerts } from './status/passwordExpiryAlerts';
import { RefreshScheduler } from './status/refreshScheduler';
import { SecretStorageLock } from './status/refreshLock';
import { RenewalProblems } from './status/renewalProblems';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ACR Access', { log: true });
  context.subscriptions.push(log);
  // The plain-TypeScript modules (src/acr, src/docker, ...) localize through @vscode/l10n, which reads VS Code's bundle.
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  log.info(`ACR Access ${(context.extension.packageJSON as { version: string }).version} started`);

  const state = new SignInState(context.globalState, context.secrets);
  const dockerLogins = new DockerLogins(state, () => ({ cloud: configuredCloud(), trustedHosts: trustedHosts(), saveForDocker: saveCredentialsForDocker() }));
  const accounts = accountsFor(state);
  const scheduler = new RefreshScheduler({
    logins: () => state.dockerLogins,
    renew: (login, signal) => dockerLogins.renew(accounts().background, login, signal),
    settings: refreshSettings,
    log,
    lock: new SecretStorageLock(context.secrets),
  });
  const services: Services = { log, state, dockerLogins, scheduler, account: () => accounts().interactive, silentAccount: () => accounts().background };
  registerCommands(context, services);
  registerRenewals(context, services);
}

/**
 * The signed-in Entra account, made again when the sign-in source or the cloud changes: one that may ask the
 * user to sign in (commands), and one that must not (renewals on a timer).
 */
function accountsFor(state: SignInState): () => { interactive: Account; background: Account } {
  let accounts: { key: string; interactive: Account; background: Account } | undefined;
  return () => {
    const source = state.source ?? { kind: 'vscode' };
    const cloud = configuredCloud();
    const key = JSON.stringify([source, cloud]);
    if (accounts?.key !== key) {
      const hooks = accountHooks(state, 'clientId' in source ? source.clientId : undefined);
      const interactive = new Account(source, cloud, true, hooks);
      // An @azure/identity source keeps its token cache in its credential, so renewals share it.
      const background = source.kind === 'vscode' ? new Account(source, cloud, false, hooks) : interactive;
      accounts = { key, interactive, background };
    }
    return accounts;
  };
}

/** The status bar, the renewal schedule, and what keeps them in step with settings, other windows and the account. */
function registerRenewals(context: vscode.ExtensionContext, services: Services): void {
  const { log, state, dockerLogins, scheduler } = services;
  const statusBar = new ExpiryStatusBar(scheduler, () => ({ warningMs: expiryWarningMs(), tokenPasswordWarningDays: tokenPasswordWarningDays(), refresh: refreshSettings() }));
  const problems = new RenewalProblems(scheduler, {
    signInAgain: () => runCommand('signInAgain', services, () => signInAgain(services)),
    signIn: () => vscode.commands.executeCommand(CommandId.signIn),
    openSettings,
    showLog: () => log.show(),
  });
  const passwordAlerts = new PasswordExpiryAlerts(scheduler, context.globalState, tokenPasswordWarningDays, () => vscode.commands.executeCommand(CommandId.signIn));
  context.subscriptions.push(
    { dispose: () => scheduler.dispose() },
    statusBar,
    problems,
    passwordAlerts,
    state.onDidChangeDockerLogins(() => scheduler.sync()),
    // Another window logged in, renewed or logged out (its secrets and locks change with it).
    context.secrets.onDidChange(({ key }) => key.startsWith('acrAccess.') && scheduler.sync()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('acrAccess')) scheduler.sync();
    }),
    // After the computer wakes, the first thing the user does is usually to come back to the window.
    vscode.window.onDidChangeWindowState((window) => window.focused && scheduler.checkDue()),
    // VS Code's Microsoft account changed (signed out, another account): tokens from the old one are not reused.
    vscode.authentication.onDidChangeSessions(({ provider }) => {
      if ((state.source?.kind ?? 'vscode') !== 'vscode') return;
      if (provider.id !== 'microsoft' && provider.id !== 'microsoft-sovereign-cloud') return;
      log.info(`The ${provider.label} account changed; cached registry tokens are dropped`);
      dockerLogins.forgetTokens();
      void scheduler.retryWaitingForUser();
    }),
  );
  scheduler.sync();
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
