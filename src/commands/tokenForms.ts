import * as vscode from 'vscode';
import { parsePasswordExpiry, parseRepositoryPatterns, RegistryLimits, ScopeMapPermission, scopeMapActions, scopeMapActionsProblem, scopeMapPermissions } from '../azure/tokenRules';
import { RegistryTokens } from '../azure/tokens';
import { abortSignalFor } from '../cancellation';
import { tokenPasswordExpiryDays } from '../settings';
import { RegistryNode, TokensNode } from '../tree/nodes';
import { pickTreeRegistry } from './pickTreeRegistry';
import { Services } from './services';

/** The registry a token command works on: from the tree, or picked from the palette; it must be one ARM listed. */
export async function tokenRegistry(services: Services, node: RegistryNode | TokensNode | undefined, title: string): Promise<{ registry: RegistryNode; tokens: RegistryTokens } | undefined> {
  const registry = node?.kind === 'tokens' ? node.parent : (node ?? (await pickTreeRegistry(services, title)));
  if (!registry) return undefined;
  const tokens = await services.tree.registryTokens(registry);
  if (!tokens) {
    throw new Error(vscode.l10n.t('{0} is known by its login server only. Tokens are managed in Azure Resource Manager: sign in with an account that sees the registry in a subscription.', registry.loginServer));
  }
  return { registry, tokens };
}

/** Asks for one value, checked as the user types; undefined when the user pressed Escape. */
export async function ask(title: string, prompt: string, options: { value?: string; placeHolder?: string; validate: (value: string) => string | undefined }): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({ title, prompt, value: options.value, placeHolder: options.placeHolder, ignoreFocusOut: true, validateInput: (text) => options.validate(text.trim()) });
  return value?.trim();
}

function permissionLabel(permission: ScopeMapPermission): string {
  const labels: Record<ScopeMapPermission, string> = {
    'content/read': vscode.l10n.t('content/read: pull'),
    'content/write': vscode.l10n.t('content/write: push'),
    'content/delete': vscode.l10n.t('content/delete: delete images'),
    'metadata/read': vscode.l10n.t('metadata/read: list tags and manifests'),
    'metadata/write': vscode.l10n.t('metadata/write: change attributes'),
  };
  return labels[permission];
}

/** Repositories x permissions for a scope map, checked against the registry's limits before anything is sent. */
export async function askScopeMapActions(title: string, limits: RegistryLimits | undefined, current?: { patterns: string[]; permissions: ScopeMapPermission[] }): Promise<string[] | undefined> {
  const repositories = await ask(title, vscode.l10n.t('Repositories, separated by commas: a name, a name ending in /* for everything under it, or * for all.'), {
    value: current?.patterns.join(', '),
    placeHolder: 'hello, team/*',
    validate: (text) => {
      const parsed = parseRepositoryPatterns(text, limits);
      return 'problem' in parsed ? parsed.problem : undefined;
    },
  });
  if (repositories === undefined) return undefined;
  const parsed = parseRepositoryPatterns(repositories, limits);
  if ('problem' in parsed) return undefined;
  const chosen = new Set<ScopeMapPermission>(current?.permissions ?? ['content/read', 'metadata/read']);
  for (;;) {
    const picks = await vscode.window.showQuickPick(
      scopeMapPermissions.map((permission) => ({ label: permissionLabel(permission), permission, picked: chosen.has(permission) })),
      { title, placeHolder: vscode.l10n.t('What the token may do on those repositories'), canPickMany: true, ignoreFocusOut: true },
    );
    if (!picks) return undefined;
    const actions = scopeMapActions(parsed.patterns, picks.map((pick) => pick.permission));
    const problem = scopeMapActionsProblem(actions, limits);
    if (!problem) return actions;
    await vscode.window.showWarningMessage(problem, { modal: true });
    chosen.clear();
    picks.forEach((pick) => chosen.add(pick.permission));
  }
}

/** A password expiry: days (the setting by default), a date, or never; past and malformed dates are refused as typed. */
export async function askPasswordExpiry(title: string): Promise<{ expiry: Date | undefined } | undefined> {
  const text = await ask(title, vscode.l10n.t('Password expiry: a number of days, a date such as 2030-12-31, or never.'), {
    value: String(tokenPasswordExpiryDays()),
    validate: (value) => {
      const parsed = parsePasswordExpiry(value, Date.now());
      return 'problem' in parsed ? parsed.problem : undefined;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parsePasswordExpiry(text, Date.now());
  return 'problem' in parsed ? undefined : parsed;
}

/** Runs a change to tokens or scope maps with a notification that can be cancelled. */
export function withTokenProgress<T>(title: string, task: (signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => task(abortSignalFor(token)));
}
