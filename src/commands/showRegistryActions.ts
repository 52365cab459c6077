import * as vscode from 'vscode';
import { configWriteMode } from '../docker/config';
import { registryLabel } from '../status/expiryStatusBar';
import { formatTimeLeft } from '../status/timeLeft';
import { CommandId } from '../commandIds';
import { Services } from './services';

interface Action extends vscode.QuickPickItem {
  readonly run?: () => Thenable<unknown>;
}

/** What a click on the status bar item offers: renew a registry (or all), log Docker out of one, open the log. */
export async function showRegistryActions(services: Services): Promise<void> {
  const statuses = services.scheduler.statuses();
  const now = Date.now();
  const describe = (expiresOn: number | undefined): string | undefined =>
    expiresOn === undefined ? undefined : expiresOn <= now ? vscode.l10n.t('expired') : vscode.l10n.t('{0} left', formatTimeLeft(expiresOn - now));
  const run = (command: string, ...args: unknown[]) => () => vscode.commands.executeCommand(command, ...args);
  const items: Action[] = [
    { label: vscode.l10n.t('Renew'), kind: vscode.QuickPickItemKind.Separator },
    ...statuses.map(({ login }) => ({
      label: `$(refresh) ${vscode.l10n.t('Renew {0}', registryLabel(login))}`,
      description: describe(login.expiresOn),
      run: run(CommandId.renewNow, login.loginServer),
    })),
    ...(statuses.length > 1 ? [{ label: `$(refresh) ${vscode.l10n.t('Renew All')}`, run: run(CommandId.renewNow) }] : []),
    { label: vscode.l10n.t('Log out'), kind: vscode.QuickPickItemKind.Separator },
    ...statuses.map(({ login }) => ({
      label: `$(sign-out) ${vscode.l10n.t('Log Out Docker from {0}', registryLabel(login))}`,
      description: login.loginServer === registryLabel(login) ? undefined : login.loginServer,
      run: run(CommandId.logOutDocker, login.loginServer),
    })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: `$(output) ${vscode.l10n.t('Show Log')}`, run: run(CommandId.showLog) },
    { label: `$(info) ${vscode.l10n.t('How the docker config is written')}`, detail: configWriteMode() },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('ACR Access: Docker Credentials'), placeHolder: vscode.l10n.t('Renew, log out, or open the log') });
  await choice?.run?.();
}
