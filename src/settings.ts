import * as vscode from 'vscode';
import { AcrCustomCloudSetting, AzureCloud, cloudFromSettings, CustomEnvironmentSetting } from './azure/clouds';

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
