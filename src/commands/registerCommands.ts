import * as vscode from 'vscode';
import { isCancellation } from '../cancellation';
import { adviceFor, fixActionFor } from '../failures';
import { CommandId } from '../commandIds';
import { Outcome } from '../telemetry';
import { addRegistry } from './addRegistry';
import { copyImageDigestReference, copyImageReference } from './copyImageReference';
import { copyLoginServer } from './copyLoginServer';
import { diagnosisTarget } from './diagnosisTarget';
import { findRepository } from './findRepository';
import { inspectManifest } from './inspectManifest';
import { loadMore } from './loadMore';
import { logOutDocker } from './logOutDocker';
import { openSettings } from './openSettings';
import { openInPortal } from './openInPortal';
import { openRepositoryByName } from './openRepositoryByName';
import { refresh, refreshAll } from './refresh';
import { removeRegistry } from './removeRegistry';
import { retry } from './retry';
import { selectSubscriptions } from './selectSubscriptions';
import { Services } from './services';
import { showLog } from './showLog';
import { signOut } from './signOut';
import { setWalkthroughContext, WalkthroughContext } from '../walkthrough';

/**
 * What a command does, given the arguments VS Code passes it: none from the palette, the item it was run on
 * from a menu, or what an executeCommand call gives. It returns nothing: callers see its effects.
 */
type Handler<Args extends unknown[]> = (services: Services, ...args: Args) => void | Promise<void>;

/**
 * A rarely used command whose module esbuild.mjs puts in dist/lazy/commands.js (with what only it uses), so
 * that it loads the first time the command runs instead of at every window start.
 */
function onFirstUse<Args extends unknown[]>(load: () => Promise<Handler<Args>>): Handler<Args> {
  return async (services, ...args) => (await load())(services, ...args);
}

const commands = {
  [CommandId.signIn]: onFirstUse(async () => (await import('./signIn')).signIn),
  [CommandId.signOut]: signOut,
  [CommandId.logInDocker]: onFirstUse(async () => (await import('./logInDocker')).logInDocker),
  [CommandId.logOutDocker]: logOutDocker,
  [CommandId.showLog]: showLog,
  [CommandId.renewNow]: onFirstUse(async () => (await import('./renewNow')).renewNow),
  [CommandId.showRegistryActions]: onFirstUse(async () => (await import('./showRegistryActions')).showRegistryActions),
  [CommandId.signInAgain]: onFirstUse(async () => (await import('./signIn')).signInAgain),
  [CommandId.refresh]: refresh,
  [CommandId.refreshAll]: refreshAll,
  [CommandId.selectSubscriptions]: selectSubscriptions,
  [CommandId.addRegistry]: addRegistry,
  [CommandId.removeRegistry]: removeRegistry,
  [CommandId.findRepository]: findRepository,
  [CommandId.openRepositoryByName]: openRepositoryByName,
  [CommandId.loadMore]: loadMore,
  [CommandId.retry]: retry,
  [CommandId.pullImage]: onFirstUse(async () => (await import('./pullImage')).pullImage),
  [CommandId.copyImageReference]: copyImageReference,
  [CommandId.copyImageDigestReference]: copyImageDigestReference,
  [CommandId.inspectManifest]: inspectManifest,
  [CommandId.untag]: onFirstUse(async () => (await import('./untag')).untag),
  [CommandId.deleteImage]: onFirstUse(async () => (await import('./deleteImage')).deleteImage),
  [CommandId.pullAllTags]: onFirstUse(async () => (await import('./pullImage')).pullAllTags),
  [CommandId.deleteRepository]: onFirstUse(async () => (await import('./deleteRepository')).deleteRepository),
  [CommandId.copyLoginServer]: copyLoginServer,
  [CommandId.openInPortal]: openInPortal,
  [CommandId.createAccessToken]: onFirstUse(async () => (await import('./createAccessToken')).createAccessToken),
  [CommandId.copyAccessToken]: onFirstUse(async () => (await import('./copyAccessToken')).copyAccessToken),
  [CommandId.useAdminCredentials]: onFirstUse(async () => (await import('./useAdminCredentials')).useAdminCredentials),
  [CommandId.regenerateAdminPassword]: onFirstUse(async () => (await import('./regenerateAdminPassword')).regenerateAdminPassword),
  [CommandId.enableAdminUser]: onFirstUse(async () => (await import('./enableAdminUser')).enableAdminUser),
  [CommandId.disableAdminUser]: onFirstUse(async () => (await import('./enableAdminUser')).disableAdminUser),
  [CommandId.createToken]: onFirstUse(async () => (await import('./createToken')).createToken),
  [CommandId.generateTokenPassword]: onFirstUse(async () => (await import('./generateTokenPassword')).generateTokenPassword),
  [CommandId.enableToken]: onFirstUse(async () => (await import('./setTokenEnabled')).enableToken),
  [CommandId.disableToken]: onFirstUse(async () => (await import('./setTokenEnabled')).disableToken),
  [CommandId.deleteToken]: onFirstUse(async () => (await import('./deleteToken')).deleteToken),
  [CommandId.editScopeMap]: onFirstUse(async () => (await import('./editScopeMap')).editScopeMap),
  [CommandId.diagnoseAccess]: onFirstUse(async () => (await import('./diagnoseAccess')).diagnoseAccess),
  [CommandId.copyReport]: onFirstUse(async () => (await import('./diagnoseAccess')).copyReport),
} satisfies { [Id in CommandId]: Handler<never[]> };

/** The arguments a command takes, for typed executeCommand calls (the host tests use it). */
export type CommandArguments<Id extends CommandId> = (typeof commands)[Id] extends Handler<infer Args> ? Args : never;

export function registerCommands(context: vscode.ExtensionContext, services: Services): void {
  for (const [id, command] of Object.entries(commands) as [CommandId, Handler<never[]>][]) {
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
 * Runs a command: a failure is logged and shown with what to do next, the button that does it (Sign In,
 * Open Settings) and a way to the log; a cancelled one stays silent. The caller learns nothing more than
 * that it ended: commands return nothing, and tests look at what they did.
 */
export async function runCommand(id: string, services: Services, command: () => void | Promise<void>): Promise<void> {
  const startedAt = Date.now();
  const finished = (outcome: Outcome, errorKind?: string) => services.telemetry.commandFinished(id, outcome, Date.now() - startedAt, errorKind);
  try {
    await command();
    finished('succeeded');
  } catch (error) {
    if (isCancellation(error)) {
      finished('cancelled');
      return;
    }
    const advice = adviceFor(error);
    finished('failed', advice.kind);
    services.log.error(`${id} failed (${advice.kind}): ${advice.message}`);
    const fix = fixActionFor(advice);
    const signInAction = vscode.l10n.t('Sign In');
    const settingsAction = vscode.l10n.t('Open Settings');
    const showLogAction = vscode.l10n.t('Show Log');
    const diagnoseAction = vscode.l10n.t('Diagnose');
    const fixAction = fix === 'signIn' ? signInAction : fix === 'openSettings' ? settingsAction : undefined;
    // A failure about a registry offers its diagnosis (ACR: Diagnose Access), for that registry and repository.
    const target = id === CommandId.diagnoseAccess ? undefined : diagnosisTarget(error);
    void vscode.window.showErrorMessage(advice.message, ...(fixAction ? [fixAction] : []), ...(target ? [diagnoseAction] : []), showLogAction).then((choice) => {
      if (choice === showLogAction) services.log.show();
      if (choice === diagnoseAction && target) void vscode.commands.executeCommand(CommandId.diagnoseAccess, target.loginServer, target.repository ?? '');
      if (choice === settingsAction) void openSettings(advice.setting);
      if (choice === signInAction) void vscode.commands.executeCommand(CommandId.signIn);
    });
  } finally {
    await updateSignedInContext(services);
  }
}
