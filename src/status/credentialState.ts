import * as vscode from 'vscode';
import { DockerLogin, SignInSource } from '../auth/signInState';
import { RegistryStatus } from './refreshScheduler';

/** How a registry's Docker credential is doing, as the status bar and the registry tree both show it. */
export type Severity = 'normal' | 'warning' | 'error';

export interface SeveritySettings {
  /** Below this much time left, an Entra credential is in warning colours. */
  readonly warningMs: number;
  readonly tokenPasswordWarningDays: number;
}

const dayMs = 24 * 60 * 60_000;

/** Token passwords live for days or months, so they warn days ahead rather than minutes. */
export function warningMs(login: DockerLogin, settings: SeveritySettings): number {
  return login.via === 'entra' ? settings.warningMs : settings.tokenPasswordWarningDays * dayMs;
}

export function credentialSeverity(status: RegistryStatus, settings: SeveritySettings, now: number): Severity {
  const { login, health } = status;
  if (health.kind === 'needsUser' || health.kind === 'retrying') return 'error';
  if (login.expiresOn === undefined) return 'normal';
  const left = login.expiresOn - now;
  if (left <= 0) return 'error';
  return left <= warningMs(login, settings) ? 'warning' : 'normal';
}

export function sourceLabel(login: DockerLogin): string {
  if (login.via === 'adminUser') return vscode.l10n.t('Admin user');
  if (login.via === 'repositoryToken') return vscode.l10n.t('Repository-scoped token');
  const labels: Record<SignInSource['kind'], string> = {
    vscode: vscode.l10n.t('Microsoft account in VS Code'),
    deviceCode: vscode.l10n.t('Device code'),
    interactiveBrowser: vscode.l10n.t('Browser'),
    azureCli: vscode.l10n.t('Azure CLI'),
    managedIdentity: vscode.l10n.t('Managed identity'),
    clientSecret: vscode.l10n.t('Service principal with a secret'),
    clientCertificate: vscode.l10n.t('Service principal with a certificate'),
    workloadIdentity: vscode.l10n.t('Workload identity'),
  };
  return login.source ? labels[login.source] : vscode.l10n.t('Microsoft Entra ID');
}
