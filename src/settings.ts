import * as vscode from 'vscode';
import { AcrCustomCloudSetting, AzureCloud, cloudFromSettings, CustomEnvironmentSetting } from './azure/clouds';
import type { EnginePreference } from './docker/engine';
import { Shell, shellFor } from './docker/shell';
import { RefreshSettings } from './status/refreshScheduler';

/** The cloud VS Code's own sovereign-cloud settings name, completed by acrAccess.customCloud. */
export function configuredCloud(): AzureCloud {
  const sovereign = vscode.workspace.getConfiguration('microsoft-sovereign-cloud');
  return cloudFromSettings(
    sovereign.get<string>('environment'),
    sovereign.get<CustomEnvironmentSetting>('customEnvironment'),
    vscode.workspace.getConfiguration('acrAccess').get<AcrCustomCloudSetting>('customCloud'),
  );
}

/** Login servers the user trusts with Entra tokens beyond what the cloud's suffix and ARM vouch for. */
export function trustedHosts(): string[] {
  return vscode.workspace.getConfiguration('acrAccess').get<string[]>('trustedHosts', []);
}

/** Whether credentials go into Docker's config (so a terminal's `docker` can use them) or stay in the extension. */
export function saveCredentialsForDocker(): boolean {
  return vscode.workspace.getConfiguration('acrAccess').get<boolean>('docker.saveCredentials', true);
}

/** Auto-refresh: on or off, how long before expiry, and which registries (all when the list is empty). */
export function refreshSettings(): RefreshSettings {
  const settings = vscode.workspace.getConfiguration('acrAccess.autoRefresh');
  const registries = settings.get<string[]>('registries', []).map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  return {
    enabled: settings.get<boolean>('enabled', true),
    leadTimeMs: settings.get<number>('leadTimeMinutes', 10) * 60_000,
    isTracked: (login) =>
      registries.length === 0 || registries.includes(login.loginServer.toLowerCase()) || (login.registryName !== undefined && registries.includes(login.registryName.toLowerCase())),
  };
}

/** Below this much time left, the status bar turns to its warning colours. */
export function expiryWarningMs(): number {
  return vscode.workspace.getConfiguration('acrAccess.statusBar').get<number>('warningMinutes', 15) * 60_000;
}

/** How many days before a repository token's password expires the user is told. */
export function tokenPasswordWarningDays(): number {
  return vscode.workspace.getConfiguration('acrAccess').get<number>('tokenPasswordExpiry.warningDays', 7);
}

/** How many repositories or tags the Registries view loads at a time. */
export function treePageSize(): number {
  return vscode.workspace.getConfiguration('acrAccess.tree').get<number>('pageSize', 100);
}

/** How many days a new token password lasts unless the user types otherwise (never "no expiry" by default). */
export function tokenPasswordExpiryDays(): number {
  const days = vscode.workspace.getConfiguration('acrAccess.tokens').get<number>('passwordExpiryDays', 30);
  return Number.isInteger(days) && days >= 1 ? days : 30;
}

/** Whether the Get Started walkthrough opens the first time the extension starts. */
export function showWalkthrough(): boolean {
  return vscode.workspace.getConfiguration('acrAccess').get<boolean>('showWalkthrough', true);
}

/** Which container engine to use: Docker's, Podman's, or Podman when Docker's default engine does not answer. */
export function enginePreference(): EnginePreference {
  const engine = vscode.workspace.getConfiguration('acrAccess').get<string>('engine', 'auto');
  return engine === 'docker' || engine === 'podman' ? engine : 'auto';
}

/** The shell of the user's terminal (its default profile in VS Code's settings, or the platform's default). */
export function terminalShell(): Shell {
  const os = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';
  return shellFor(process.platform, vscode.workspace.getConfiguration('terminal.integrated.defaultProfile').get<string>(os));
}
