import * as vscode from 'vscode';
import { CommandId } from '../commandIds';
import { credentialSeverity, SeveritySettings, sourceLabel } from '../status/credentialState';
import { RegistryStatus } from '../status/refreshScheduler';
import { formatTimeLeft, passwordExpiryState } from '../status/timeLeft';
import { ErrorNode, failureTarget, imageReference, registryAbove, RegistryNode, ScopeMapNode, TagNode, TokenNode, TreeNode } from './nodes';

/** What drawing a node needs besides the node: the Docker login state the status bar shows too. */
export interface TreeItemContext {
  status(loginServer: string): RegistryStatus | undefined;
  readonly severity: SeveritySettings;
  readonly now: number;
}

const { Collapsed, None } = vscode.TreeItemCollapsibleState;

/**
 * How each node looks. `contextValue` is `kind` followed by `;`-separated facts the menus test
 * (`registry;dockerLoggedIn;arm;adminUser`, `error;signIn;aboutRegistry`).
 */
export function treeItem(node: TreeNode, context: TreeItemContext): vscode.TreeItem {
  switch (node.kind) {
    case 'tenant':
      // A tenant that could not be listed is open at once, its failure (and what to do) inside.
      return node.failure === undefined
        ? item(node.id, node.name, Collapsed, 'organization', 'tenant', { tooltip: vscode.l10n.t('Tenant {0} ({1})', node.name, node.tenantId) }, vscode.l10n.t('Tenant {0} ({1})', node.name, node.tenantId))
        : item(
            node.id,
            node.name,
            vscode.TreeItemCollapsibleState.Expanded,
            new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
            'tenant;failed',
            { description: vscode.l10n.t('not listed'), tooltip: vscode.l10n.t('Tenant {0} ({1}): its subscriptions could not be listed', node.name, node.tenantId) },
            vscode.l10n.t('Tenant {0} ({1}), not listed', node.name, node.tenantId),
          );
    case 'subscription':
      return item(
        node.id,
        node.subscription.name,
        Collapsed,
        'azure',
        'subscription',
        { tooltip: vscode.l10n.t('Subscription {0} ({1})', node.subscription.name, node.subscription.id) },
        vscode.l10n.t('Subscription {0} ({1})', node.subscription.name, node.subscription.id),
      );
    case 'typedRegistries':
      return item(node.id, vscode.l10n.t('Registries by login server'), vscode.TreeItemCollapsibleState.Expanded, 'link', 'typedRegistries', {
        tooltip: vscode.l10n.t('Registries you added by login server, or logged in to with their own user name and password'),
      });
    case 'registry':
      return registryItem(node, context);
    case 'repository': {
      // Named by its whole reference (what `docker pull` takes), as a screen reader user finds it in the tree.
      const reference = `${node.parent.loginServer}/${node.name}`;
      const description = node.found ? vscode.l10n.t('found') : undefined;
      return item(node.id, node.name, Collapsed, 'repo', 'repository', { tooltip: reference, description }, [reference, description].filter((part) => part !== undefined).join(', '));
    }
    case 'tag':
      return tagItem(node, context.now);
    case 'loadMore':
      return item(node.id, vscode.l10n.t('Load more...'), None, 'more', 'loadMore', {
        command: { command: CommandId.loadMore, title: vscode.l10n.t('Load more'), arguments: [node.parent] },
      });
    case 'error':
      return errorItem(node);
    case 'openByName': {
      const label = vscode.l10n.t('Open Repository by Name...');
      const tooltip = vscode.l10n.t('You may not list the repositories of this registry; open one whose name you know.');
      return item(
        node.id,
        label,
        None,
        'go-to-file',
        'openByName',
        { command: { command: CommandId.openRepositoryByName, title: vscode.l10n.t('Open Repository by Name'), arguments: [node.parent] }, tooltip },
        `${label} ${tooltip}`,
      );
    }
    case 'message':
      return item(node.id, node.text, None, 'info', 'message', {});
    case 'tokens':
      return item(node.id, vscode.l10n.t('Tokens'), Collapsed, 'key', 'tokens', {
        tooltip: vscode.l10n.t('Repository-scoped tokens: a user name and password that reach only the repositories and actions of a scope map'),
      });
    case 'scopeMaps':
      return item(node.id, vscode.l10n.t('Scope maps'), Collapsed, 'list-tree', 'scopeMaps', {
        tooltip: vscode.l10n.t('Which repositories and actions a token may use; the built-in _repositories_ maps cover every repository'),
      });
    case 'token':
      return tokenItem(node, context.now);
    case 'scopeMap':
      return scopeMapItem(node);
  }
}

/** Status, scope map and password expiry; an expired or soon-expiring password shows in warning or error colours. */
function tokenItem(node: TokenNode, now: number): vscode.TreeItem {
  const { token } = node;
  const expiries = token.passwords.map((password) => ({ password, state: passwordExpiryState(password.expiry, now) }));
  const worst = expiries.some(({ state }) => state === 'expired') ? 'expired' : expiries.some(({ state }) => state === 'soon') ? 'soon' : undefined;
  const when = (time: number) => new Date(time).toLocaleDateString(vscode.env.language);
  const passwordText = (name: string, expiry: number | undefined, state: string) =>
    state === 'none' ? vscode.l10n.t('{0}: no expiry', name) : state === 'expired' ? vscode.l10n.t('{0}: expired {1}', name, when(expiry!)) : vscode.l10n.t('{0}: expires {1}', name, when(expiry!));
  const parts = [
    token.enabled ? undefined : vscode.l10n.t('disabled'),
    token.scopeMap,
    token.passwords.length === 0 ? vscode.l10n.t('no password') : worst === 'expired' ? vscode.l10n.t('password expired') : worst === 'soon' ? vscode.l10n.t('password expires soon') : undefined,
  ].filter((part): part is string => part !== undefined);
  const color = !token.enabled ? 'disabledForeground' : worst === 'expired' ? 'errorForeground' : worst === 'soon' ? 'editorWarning.foreground' : undefined;
  const tooltip = [
    vscode.l10n.t('Token {0} ({1})', token.name, token.enabled ? vscode.l10n.t('enabled') : vscode.l10n.t('disabled')),
    vscode.l10n.t('Scope map: {0}', token.scopeMap),
    ...(expiries.length === 0 ? [vscode.l10n.t('No password yet: Generate Token Password... makes one.')] : expiries.map(({ password, state }) => passwordText(password.name, password.expiry, state))),
  ].join('\n');
  return item(
    node.id,
    token.name,
    None,
    new vscode.ThemeIcon(worst === 'expired' ? 'warning' : 'key', color ? new vscode.ThemeColor(color) : undefined),
    `token;${token.enabled ? 'enabled' : 'disabled'}`,
    { description: parts.join(' · '), tooltip },
    vscode.l10n.t('Token {0}', [token.name, ...parts].join(', ')),
  );
}

function scopeMapItem(node: ScopeMapNode): vscode.TreeItem {
  const { scopeMap } = node;
  const count = scopeMap.actions.length;
  const description = scopeMap.builtIn ? vscode.l10n.t('built-in') : count === 1 ? vscode.l10n.t('1 action') : vscode.l10n.t('{0} actions', count);
  const tooltip = [scopeMap.description, ...scopeMap.actions].filter((line) => line !== '').join('\n');
  return item(node.id, scopeMap.name, None, scopeMap.builtIn ? 'lock' : 'list-tree', `scopeMap;${scopeMap.builtIn ? 'builtIn' : 'userDefined'}`, { description, tooltip }, vscode.l10n.t('Scope map {0}, {1}', scopeMap.name, description));
}

/**
 * A tree item. A screen reader says `spoken` for the row (the label when not given): the facts sighted users
 * read from its icon, colour and description, in words.
 */
function item(
  id: string,
  label: string,
  collapsible: vscode.TreeItemCollapsibleState,
  icon: string | vscode.ThemeIcon,
  contextValue: string,
  extra: Partial<vscode.TreeItem>,
  spoken: string = label,
): vscode.TreeItem {
  const treeItem = new vscode.TreeItem(label, collapsible);
  treeItem.id = id;
  treeItem.iconPath = typeof icon === 'string' ? new vscode.ThemeIcon(icon) : icon;
  treeItem.contextValue = contextValue;
  treeItem.accessibilityInformation = { label: spoken, role: 'treeitem' };
  return Object.assign(treeItem, extra);
}

function registryItem(node: RegistryNode, context: TreeItemContext): vscode.TreeItem {
  const { summary, loginServer } = node;
  const status = context.status(loginServer);
  const name = summary?.name ?? loginServer;
  const description = [...(summary ? [summary.sku, summary.location] : []), dockerShort(status, context.now)].filter((part) => part !== '').join(' · ');
  const severity = status ? credentialSeverity(status, context.severity, context.now) : undefined;
  const color = severity === 'error' ? 'charts.red' : severity === 'warning' ? 'charts.yellow' : severity === 'normal' ? 'charts.green' : undefined;
  const docker = dockerState(status, context.now);
  const tokens = ['registry', status ? 'dockerLoggedIn' : 'dockerLoggedOut', ...(summary ? ['arm'] : []), ...(summary?.abac ? ['abac'] : []), ...(summary?.adminUserEnabled ? ['adminUser'] : []), ...(node.added ? ['added'] : [])];

  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escape(name)}** \`${loginServer}\`\n\n`);
  if (summary) {
    tooltip.appendMarkdown(`${escape(vscode.l10n.t('{0} registry in {1}, subscription {2}', summary.sku, summary.location, summary.subscription.name))}\n\n`);
    if (summary.abac) tooltip.appendMarkdown(`${escape(vscode.l10n.t('Repository permissions (ABAC): repository roles grant access; AcrPull and AcrPush do not.'))}\n\n`);
    tooltip.appendMarkdown(`${escape(summary.adminUserEnabled ? vscode.l10n.t('Admin user: enabled') : vscode.l10n.t('Admin user: disabled'))}\n\n`);
  }
  tooltip.appendMarkdown(`${severity === 'error' ? '$(error)' : severity === 'warning' ? '$(warning)' : status ? '$(pass)' : '$(circle-outline)'} ${escape(docker)}`);

  const facts = summary ? [summary.sku, summary.location, ...(summary.abac ? [vscode.l10n.t('repository permissions')] : [])] : [description];
  return item(
    node.id,
    name,
    Collapsed,
    new vscode.ThemeIcon('database', color ? new vscode.ThemeColor(color) : undefined),
    tokens.join(';'),
    { description, tooltip },
    [vscode.l10n.t('Registry {0}', name), ...facts, docker].filter((part) => part !== '').join(', '),
  );
}

/** Docker's state in a few words for the description: "Docker logged in · 2h 41m" (time left), empty when not logged in. */
function dockerShort(status: RegistryStatus | undefined, now: number): string {
  if (!status) return '';
  const { login, health } = status;
  if (health.kind === 'needsUser' || health.kind === 'retrying') return vscode.l10n.t('Docker renewal failed');
  if (login.expiresOn === undefined) return vscode.l10n.t('Docker logged in ({0})', sourceLabel(login));
  if (login.expiresOn <= now) return vscode.l10n.t('Docker credential expired');
  return vscode.l10n.t('Docker logged in · {0}', formatTimeLeft(login.expiresOn - now));
}

/** Whether Docker is logged in to the registry and until when: the same facts the status bar's tooltip gives. */
function dockerState(status: RegistryStatus | undefined, now: number): string {
  if (!status) return vscode.l10n.t('Docker is not logged in by ACR Access');
  const { login, health } = status;
  if (health.kind === 'needsUser' || health.kind === 'retrying') return vscode.l10n.t('Docker is logged in, but renewing its credential failed');
  if (login.expiresOn === undefined) return vscode.l10n.t('Docker is logged in ({0})', sourceLabel(login));
  if (login.expiresOn <= now) return vscode.l10n.t("Docker's credential has expired");
  return vscode.l10n.t('Docker is logged in until {0} ({1} left)', new Date(login.expiresOn).toLocaleString(vscode.env.language), formatTimeLeft(login.expiresOn - now));
}

function tagItem(node: TagNode, now: number): vscode.TreeItem {
  const manifest = node.parent.manifests.get(node.tag.digest);
  const updated = node.tag.lastUpdateTime ?? node.tag.createdTime;
  const description = [updated === undefined ? undefined : age(updated, now), manifest?.imageSize === undefined ? undefined : size(manifest.imageSize)].filter((part) => part !== undefined).join(' · ');
  // VS Code asks resolveTreeItem for a tooltip on hover only when the item has none: one still to be read is left out.
  const tooltip = manifest?.platforms === undefined ? undefined : tagTooltip(node);
  return item(node.id, node.tag.name, None, 'tag', 'tag', { description, tooltip }, vscode.l10n.t('Tag {0}, {1}', node.tag.name, description.replace(/ · /g, ', ')));
}

export function tagTooltip(node: TagNode): vscode.MarkdownString {
  const manifest = node.parent.manifests.get(node.tag.digest);
  const when = (time: number | undefined) => (time === undefined ? '' : new Date(time).toLocaleString(vscode.env.language));
  const rows: [string, string][] = [
    [vscode.l10n.t('Digest'), `\`${node.tag.digest}\``],
    [vscode.l10n.t('Created'), when(node.tag.createdTime)],
    [vscode.l10n.t('Updated'), when(node.tag.lastUpdateTime)],
    [vscode.l10n.t('Media type'), manifest?.mediaType ? `\`${manifest.mediaType}\`` : ''],
    [vscode.l10n.t('Platforms'), manifest?.platforms?.join(', ') ?? ''],
    [vscode.l10n.t('Size'), manifest?.imageSize === undefined ? '' : size(manifest.imageSize)],
  ];
  const markdown = new vscode.MarkdownString(`**${escape(imageReference(node, 'tag'))}**\n\n`);
  markdown.appendMarkdown(rows.filter(([, value]) => value !== '').map(([name, value]) => `${escape(name)}: ${value}`).join('  \n'));
  return markdown;
}

function errorItem(node: ErrorNode): vscode.TreeItem {
  const { advice } = node;
  // A tenant that wants the user back (MFA, conditional access): the one thing to do is sign in to it.
  if (advice.nextStep === 'signIn' && node.parent?.kind === 'tenant') {
    const label = vscode.l10n.t('Sign In to {0}...', node.parent.name);
    return item(
      node.id,
      label,
      None,
      'sign-in',
      'error;signIn;tenant',
      { tooltip: advice.message, command: { command: CommandId.signInAgain, title: label, arguments: [node] } },
      `${label} ${advice.message}`,
    );
  }
  // A failure about a registry (its repositories, a repository's tags, its tokens) offers Diagnose for it.
  const tokens = ['error', ...(advice.nextStep === 'signIn' ? ['signIn'] : []), ...(failureTarget(node) ? ['aboutRegistry'] : [])];
  const retryAt = node.retryAt === undefined ? undefined : new Date(node.retryAt).toLocaleTimeString(vscode.env.language);
  const description = retryAt ? vscode.l10n.t('retry after {0}', retryAt) : undefined;
  // A registry that asked to wait is tried again by itself (RegistryTree): said in place, in a few words.
  const registry = registryAbove(node);
  if (advice.kind === 'acr.throttled' && node.retryAt !== undefined && registry) {
    const label = vscode.l10n.t('Throttled by {0}, trying again in {1} s', registry.summary?.name ?? registry.loginServer, Math.max(1, Math.round((node.retryAt - Date.now()) / 1000)));
    return item(node.id, label, None, new vscode.ThemeIcon('watch'), tokens.join(';'), { tooltip: advice.message, command: { command: CommandId.retry, title: vscode.l10n.t('Retry'), arguments: [node] } }, `${label}. ${advice.message}`);
  }
  return item(
    node.id,
    advice.message,
    None,
    new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
    tokens.join(';'),
    { description, tooltip: advice.message, command: { command: CommandId.retry, title: vscode.l10n.t('Retry'), arguments: [node] } },
    [vscode.l10n.t('Error: {0}', advice.message), description].filter((part) => part !== undefined).join(', '),
  );
}

/** How long ago, in the display language: "3 days ago". */
function age(time: number, now: number): string {
  const seconds = Math.round((time - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86_400],
    ['month', 30 * 86_400],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  const format = new Intl.RelativeTimeFormat(vscode.env.language, { numeric: 'auto' });
  for (const [unit, length] of units) if (Math.abs(seconds) >= length) return format.format(Math.round(seconds / length), unit);
  return format.format(0, 'minute');
}

/** Bytes in the decimal units `docker images` uses. */
function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${new Intl.NumberFormat(vscode.env.language, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (character) => `\\${character}`);
}
