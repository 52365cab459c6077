import * as vscode from 'vscode';
import { isCancellation } from '../cancellation';
import { adviceFor, fixActionFor } from '../failures';
import { CommandId } from '../commandIds';
import { Outcome } from '../telemetry';
import { addRegistry } from './addRegistry';
import { copyAccessToken } from './copyAccessToken';
import { copyImageDigestReference, copyImageReference } from './copyImageReference';
import { copyLoginServer } from './copyLoginServer';
import { createAccessToken } from './createAccessToken';
import { deleteImage } from './deleteImage';
import { deleteRepository } from './deleteRepository';
import { disableAdminUser, enableAdminUser } from './enableAdminUser';
import { createToken } from './createToken';
import { deleteToken } from './deleteToken';
import { editScopeMap } from './editScopeMap';
import { findRepository } from './findRepository';
import { generateTokenPassword } from './generateTokenPassword';
import { inspectManifest } from './inspectManifest';
import { loadMore } from './loadMore';
import { logInDocker } from './logInDocker';
import { logOutDocker } from './logOutDocker';
import { openSettings } from './openSettings';
import { openInPortal } from './openInPortal';
import { openRepositoryByName } from './openRepositoryByName';
import { pullAllTags, pullImage } from './pullImage';
import { regenerateAdminPassword } from './regenerateAdminPassword';
import { refresh, refreshAll } from './refresh';
import { removeRegistry } from './removeRegistry';
import { renewNow } from './renewNow';
import { retry } from './retry';
import { selectSubscriptions } from './selectSubscriptions';
import { disableToken, enableToken } from './setTokenEnabled';
import { Services } from './services';
import { showLog } from './showLog';
import { showRegistryActions } from './showRegistryActions';
import { signIn, signInAgain } from './signIn';
import { signOut } from './signOut';
import { untag } from './untag';
import { useAdminCredentials } from './useAdminCredentials';
import { setWalkthroughContext, WalkthroughContext } from '../walkthrough';

type Command = (services: Services, ...args: never[]) => unknown;

const commands: Record<CommandId, Command> = {
  [CommandId.signIn]: signIn,
  [CommandId.signOut]: signOut,
  [CommandId.logInDocker]: logInDocker,
  [CommandId.logOutDocker]: logOutDocker,
  [CommandId.showLog]: showLog,
  [CommandId.renewNow]: renewNow,
  [CommandId.showRegistryActions]: showRegistryActions,
  [CommandId.signInAgain]: signInAgain,
  [CommandId.refresh]: refresh,
  [CommandId.refreshAll]: refreshAll,
  [CommandId.selectSubscriptions]: selectSubscriptions,
  [CommandId.addRegistry]: addRegistry,
  [CommandId.removeRegistry]: removeRegistry,
  [CommandId.findRepository]: findRepository,
  [CommandId.openRepositoryByName]: openRepositoryByName,
  [CommandId.loadMore]: loadMore,
  [CommandId.retry]: retry,
  [CommandId.pullImage]: pullImage,
  [CommandId.copyImageReference]: copyImageReference,
  [CommandId.copyImageDigestReference]: copyImageDigestReference,
  [CommandId.inspectManifest]: inspectManifest,
  [CommandId.untag]: untag,
  [CommandId.deleteImage]: deleteImage,
  [CommandId.pullAllTags]: pullAllTags,
  [CommandId.deleteRepository]: deleteRepository,
  [CommandId.copyLoginServer]: copyLoginServer,
  [CommandId.openInPortal]: openInPortal,
  [CommandId.createAccessToken]: createAccessToken,
  [CommandId.copyAccessToken]: copyAccessToken,
  [CommandId.useAdminCredentials]: useAdminCredentials,
  [CommandId.regenerateAdminPassword]: regenerateAdminPassword,
  [CommandId.enableAdminUser]: enableAdminUser,
  [CommandId.disableAdminUser]: disableAdminUser,
  [CommandId.createToken]: createToken,
  [CommandId.generateTokenPassword]: generateTokenPassword,
  [CommandId.enableToken]: enableToken,
  [CommandId.disableToken]: disableToken,
  [CommandId.deleteToken]: deleteToken,
  [CommandId.editScopeMap]: editScopeMap,
};

export function registerCommands(context: vscode.ExtensionContext, services: Services): void {
  for (const [id, command] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: never[]) => runCommand(id, services, () => command(services, ...args))));
  }
  // A Docker login saved in the middle of a command (sign-in) ticks the walkthrough's step at once.
  context.subscriptions.push(services.state.onDidChangeDockerLogins(() => void updateSignedInContext(services)));
  void updateSignedInContext(services);
}

/** The context keys views and menus use to tell signed-in from signed-out, and the walkthrough whether Docker is logged in. */
async function updateSignedInContext({ state }: Services): Promise<void> {
  await vscode.commands.executeCommand('setContext', 'acrAccess.signedIn', state.source !== undefined || state.dockerLogins.length > 0);
  await setWalkthroughContext(WalkthroughContext.dockerLoggedIn, state.dockerLogins.length > 0);
}

/**
 * Runs a command: its result goes back to the caller; a failure is logged and shown with what to do next,
 * the button that does it (Sign In, Open Settings) and a way to the log; a cancelled one stays silent.
 */
export async function runCommand(id: string, services: Services, command: () => unknown): Promise<unknown> {
  const startedAt = Date.now();
  const finished = (outcome: Outcome, errorKind?: string) => services.telemetry.commandFinished(id, outcome, Date.now() - startedAt, errorKind);
  try {
    const result = await command();
    finished('succeeded');
    return result;
  } catch (error) {
    if (isCancellation(error)) {
      finished('cancelled');
      return undefined;
    }
    const advice = adviceFor(error);
    finished('failed', advice.kind);
    services.log.error(`${id} failed (${advice.kind}): ${advice.message}`);
    const fix = fixActionFor(advice);
    const signInAction = vscode.l10n.t('Sign In');
    const settingsAction = vscode.l10n.t('Open Settings');
    const showLogAction = vscode.l10n.t('Show Log');
    const fixAction = fix === 'signIn' ? signInAction : fix === 'openSettings' ? settingsAction : undefined;
    void vscode.window.showErrorMessage(advice.message, ...(fixAction ? [fixAction] : []), showLogAction).then((choice) => {
      if (choice === showLogAction) services.log.show();
      if (choice === settingsAction) void openSettings(advice.setting);
      if (choice === signInAction) void vscode.commands.executeCommand(CommandId.signIn);
    });
    return undefined;
  } finally {
    await updateSignedInContext(services);
  }
}
