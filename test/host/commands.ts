import * as vscode from 'vscode';
import type { CommandId } from '../../src/commandIds';
import type { CommandArguments } from '../../src/commands/registerCommands';

/**
 * Runs one of the extension's commands as a menu or another extension would, with the arguments its handler
 * takes (checked by the compiler). Commands return nothing: a test looks at what the command did.
 */
export async function runAcrCommand<Id extends CommandId>(id: Id, ...args: CommandArguments<Id>): Promise<void> {
  await vscode.commands.executeCommand<void>(id, ...args);
}
