import * as vscode from 'vscode';

/** The walkthrough's id in package.json `contributes.walkthroughs`. */
export const walkthroughId = 'gettingStarted';
const openedKey = 'acrAccess.walkthroughOpened';

/**
 * Context keys the walkthrough's steps complete on (their `onContext:` completion events), each set when the
 * thing the step teaches has really happened in this window.
 */
export const WalkthroughContext = {
  dockerLoggedIn: 'acrAccess.dockerLoggedIn',
  imagePulled: 'acrAccess.imagePulled',
} as const;

export function setWalkthroughContext(key: (typeof WalkthroughContext)[keyof typeof WalkthroughContext], value: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}

/**
 * VS Code opens an extension's walkthrough itself only when it is installed from the Marketplace; installed
 * any other way (a .vsix, a development folder) the extension opens it on its first activation. Once, ever,
 * and not for someone who has used the extension before the walkthrough existed.
 */
export async function openWalkthroughOnFirstActivation(context: vscode.ExtensionContext, options: { enabled: boolean; alreadyUsed: boolean }, log: vscode.LogOutputChannel): Promise<void> {
  if (context.globalState.get<boolean>(openedKey)) return;
  await context.globalState.update(openedKey, true);
  if (!options.enabled || options.alreadyUsed) return;
  try {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${walkthroughId}`, false);
  } catch (error) {
    log.warn(`The Get Started walkthrough could not be opened: ${error instanceof Error ? error.message : String(error)}`);
  }
}
