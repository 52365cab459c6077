import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { Account } from './auth/account';
import { SignInState } from './auth/signInState';
import { accountHooks } from './commands/accountHooks';
import { registerCommands } from './commands/registerCommands';
import { DockerLogins } from './dockerLogins';
import { configuredCloud, saveCredentialsForDocker, trustedHosts } from './settings';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ACR Access', { log: true });
  context.subscriptions.push(log);
  // The plain-TypeScript modules (src/acr, src/docker, ...) localize through @vscode/l10n, which reads VS Code's bundle.
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  log.info(`ACR Access ${(context.extension.packageJSON as { version: string }).version} started`);

  const state = new SignInState(context.globalState, context.secrets);
  const dockerLogins = new DockerLogins(state, () => ({ cloud: configuredCloud(), trustedHosts: trustedHosts(), saveForDocker: saveCredentialsForDocker() }));
  let account: { key: string; value: Account } | undefined;
  const currentAccount = (): Account => {
    const source = state.source ?? { kind: 'vscode' };
    const cloud = configuredCloud();
    const key = JSON.stringify([source, cloud]);
    if (account?.key !== key) {
      const clientId = 'clientId' in source ? source.clientId : undefined;
      account = { key, value: new Account(source, cloud, true, accountHooks(state, clientId)) };
    }
    return account.value;
  };
  registerCommands(context, { log, state, dockerLogins, account: currentAccount });

  // VS Code's Microsoft account changed (signed out, another account): tokens from the old one are not reused.
  context.subscriptions.push(
    vscode.authentication.onDidChangeSessions(({ provider }) => {
      if ((state.source?.kind ?? 'vscode') !== 'vscode') return;
      if (provider.id !== 'microsoft' && provider.id !== 'microsoft-sovereign-cloud') return;
      log.info(`The ${provider.label} account changed; cached registry tokens are dropped`);
      dockerLogins.forgetTokens();
    }),
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
