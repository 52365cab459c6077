import * as vscode from 'vscode';
import { CommandId } from './commandIds';
import { Services } from './services';
import { showLog } from './showLog';

const commands: Record<CommandId, (services: Services) => unknown> = {
  [CommandId.showLog]: showLog,
};

export function registerCommands(context: vscode.ExtensionContext, services: Services): void {
  for (const [id, command] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, () => runCommand(id, services, command)));
  }
}

/** Logs a failing command and tells the user, with a way to the log; a cancelled one stays silent. */
async function runCommand(id: string, services: Services, command: (services: Services) => unknown): Promise<void> {
  try {
    await command(services);
  } catch (error) {
    if (error instanceof vscode.CancellationError) return;
    const message = error instanceof Error ? error.message : String(error);
    services.log.error(`${id} failed: ${message}`);
    const showLogAction = vscode.l10n.t('Show Log');
    const choice = await vscode.window.showErrorMessage(message, showLogAction);
    if (choice === showLogAction) services.log.show();
  }
}
