import * as vscode from 'vscode';
import { registerCommands } from './commands/registerCommands';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ACR Access', { log: true });
  context.subscriptions.push(log);
  log.info(`ACR Access ${(context.extension.packageJSON as { version: string }).version} started`);
  registerCommands(context, { log });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
