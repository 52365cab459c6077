import * as vscode from 'vscode';
import { DockerLogin } from '../auth/signInState';
import { CommandId } from '../commandIds';
import { errorMessage } from '../failures';
import { RefreshScheduler, RefreshSettings, RegistryStatus } from './refreshScheduler';
import { credentialSeverity, SeveritySettings, sourceLabel, warningMs } from './credentialState';
import { formatTimeLeft, nextUpdateDelayMs } from './timeLeft';

export interface StatusBarSettings extends SeveritySettings {
  readonly refresh: RefreshSettings;
}

export function registryLabel(login: DockerLogin): string {
  return login.registryName ?? login.loginServer;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (character) => `\\${character}`);
}

function commandLink(command: string, args?: unknown[]): string {
  return `command:${command}${args ? `?${encodeURIComponent(JSON.stringify(args))}` : ''}`;
}

/**
 * The status bar item: the registry whose credential expires soonest and the time left, in warning colours
 * near expiry and error colours when expired or a renewal failed; a tooltip with every registry; a click
 * opens the registry actions. It looks again only as often as its text can change, and not at all when
 * nothing is tracked.
 */
export class ExpiryStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('acrAccess.expiry', vscode.StatusBarAlignment.Left, 50);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pendingTooltip: ReturnType<typeof setImmediate> | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly scheduler: RefreshScheduler,
    private readonly settings: () => StatusBarSettings,
  ) {
    this.item.name = vscode.l10n.t('ACR Access: Registry Credentials');
    this.item.command = CommandId.showRegistryActions;
    this.subscription = scheduler.onDidChange(() => this.update());
    this.update();
  }

  update(): void {
    clearTimeout(this.timer);
    clearImmediate(this.pendingTooltip);
    this.timer = undefined;
    const statuses = this.scheduler.statuses();
    if (statuses.length === 0) {
      this.item.hide();
      return;
    }
    const settings = this.settings();
    const now = Date.now();
    const severityRank = { error: 0, warning: 1, normal: 2 };
    const rank = (status: RegistryStatus): [number, number] => [severityRank[credentialSeverity(status, settings, now)], status.login.expiresOn ?? Infinity];
    // Failures first, then the soonest expiry.
    const shown = [...statuses].sort((a, b) => {
      const [severityA, expiryA] = rank(a);
      const [severityB, expiryB] = rank(b);
      return severityA - severityB || expiryA - expiryB || 0;
    })[0];
    const severity = credentialSeverity(shown, settings, now);
    const left = shown.login.expiresOn === undefined ? undefined : shown.login.expiresOn - now;
    const name = registryLabel(shown.login);
    const icon = severity === 'error' ? '$(error)' : severity === 'warning' ? '$(warning)' : '$(key)';
    const time = left === undefined ? undefined : left <= 0 ? vscode.l10n.t('expired') : formatTimeLeft(left);
    this.item.text = time ? `${icon} ${vscode.l10n.t('ACR {0} {1}', name, time)}` : `${icon} ${vscode.l10n.t('ACR {0}', name)}`;
    // What the colours say, in words, and what activating the item offers.
    const failed = shown.health.kind === 'needsUser' || shown.health.kind === 'retrying';
    const spoken = [
      left === undefined
        ? vscode.l10n.t('Docker is logged in to {0}', name)
        : left <= 0
          ? vscode.l10n.t("Docker's credential for {0} has expired", name)
          : vscode.l10n.t("Docker's credential for {0}: {1} left", name, formatTimeLeft(left)),
      ...(failed ? [vscode.l10n.t('renewing it failed')] : severity === 'warning' ? [vscode.l10n.t('expiring soon')] : []),
      ...(statuses.length > 1 ? [vscode.l10n.t('{0} registries in all', statuses.length)] : []),
      vscode.l10n.t('activate to renew, log out or show the log'),
    ];
    this.item.accessibilityInformation = { label: spoken.join(', '), role: 'button' };
    this.item.backgroundColor = severity === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${severity}Background`);
    this.item.color = severity === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${severity}Foreground`);
    // Built just after: its dates are the first use of Intl, which loads the locale's data, and neither
    // activation nor the text shown should wait for that (docs/architecture.md, "What loads when").
    this.pendingTooltip = setImmediate(() => (this.item.tooltip = this.tooltip(statuses, settings, now)));
    this.item.show();
    if (left !== undefined && left > 0) this.timer = setTimeout(() => this.update(), nextUpdateDelayMs(left, warningMs(shown.login, settings)));
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearImmediate(this.pendingTooltip);
    this.subscription.dispose();
    this.item.dispose();
  }

  private tooltip(statuses: readonly RegistryStatus[], settings: StatusBarSettings, now: number): vscode.MarkdownString {
    // One formatter for every row: each toLocaleString call would set up the locale's data again.
    const dateTime = new Intl.DateTimeFormat(vscode.env.language, { dateStyle: 'short', timeStyle: 'medium' });
    const rows = statuses.map(({ login, health, dueAt }) => {
      const expires =
        login.expiresOn === undefined
          ? vscode.l10n.t('no expiry')
          : login.expiresOn <= now
            ? vscode.l10n.t('expired {0}', dateTime.format(login.expiresOn))
            : vscode.l10n.t('{0} (in {1})', dateTime.format(login.expiresOn), formatTimeLeft(login.expiresOn - now));
      const tracked = settings.refresh.enabled && settings.refresh.isTracked(login);
      const autoRefresh = login.via !== 'entra' ? vscode.l10n.t('checked hourly') : tracked ? vscode.l10n.t('on') : vscode.l10n.t('off');
      const state =
        health.kind === 'needsUser'
          ? `$(error) ${escapeMarkdown(errorMessage(health.error))}`
          : health.kind === 'retrying'
            ? `$(warning) ${escapeMarkdown(vscode.l10n.t('renewal failed; trying again in {0}', formatTimeLeft(health.retryAt - now)))}`
            : health.kind === 'renewing'
              ? `$(sync~spin) ${vscode.l10n.t('renewing')}`
              : dueAt !== undefined && login.via === 'entra'
                ? escapeMarkdown(vscode.l10n.t('renews in {0}', formatTimeLeft(dueAt - now)))
                : '';
      const account = login.via === 'entra' ? (login.account ?? '') : login.username;
      const refresh = `[$(refresh)](${commandLink(CommandId.renewNow, [login.loginServer])} "${vscode.l10n.t('Renew now')}")`;
      return `| ${escapeMarkdown(registryLabel(login))} | ${escapeMarkdown(account)} | ${escapeMarkdown(sourceLabel(login))} | ${escapeMarkdown(expires)} | ${autoRefresh} | ${state} | ${refresh} |`;
    });
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.isTrusted = { enabledCommands: [CommandId.renewNow, CommandId.signIn, CommandId.showLog] };
    markdown.appendMarkdown(`**${vscode.l10n.t('Docker credentials from ACR Access')}**\n\n`);
    markdown.appendMarkdown(
      `| ${[vscode.l10n.t('Registry'), vscode.l10n.t('Account'), vscode.l10n.t('Signed in with'), vscode.l10n.t('Expires'), vscode.l10n.t('Auto-refresh'), vscode.l10n.t('State'), ''].join(' | ')} |\n`,
    );
    markdown.appendMarkdown(`|---|---|---|---|---|---|---|\n${rows.join('\n')}\n\n`);
    markdown.appendMarkdown(
      [
        `[$(refresh) ${vscode.l10n.t('Renew all now')}](${commandLink(CommandId.renewNow)})`,
        `[$(sign-in) ${vscode.l10n.t('Sign in')}](${commandLink(CommandId.signIn)})`,
        `[$(output) ${vscode.l10n.t('Show log')}](${commandLink(CommandId.showLog)})`,
      ].join(' · '),
    );
    return markdown;
  }
}
