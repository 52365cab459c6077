import * as l10n from '@vscode/l10n';

/** What a scope map can allow on a repository (docs/protocol.md section 9). */
export const scopeMapPermissions = ['content/read', 'content/write', 'content/delete', 'metadata/read', 'metadata/write'] as const;
export type ScopeMapPermission = (typeof scopeMapPermissions)[number];

/** The built-in scope maps every registry has; they cannot be changed. */
export const builtInScopeMapPrefix = '_repositories_';

export interface RegistryLimits {
  readonly sku: string;
  readonly tokens: number;
  readonly scopeMaps: number;
  readonly repositoriesPerScopeMap: number;
  readonly actionsPerScopeMap: number;
}

const limitsBySku: Record<string, { tokens: number; scopeMaps: number }> = {
  basic: { tokens: 100, scopeMaps: 100 },
  standard: { tokens: 500, scopeMaps: 500 },
  premium: { tokens: 50_000, scopeMaps: 50_000 },
};

/** ACR's limits for tokens and scope maps on a registry of this SKU (docs/protocol.md section 9); undefined for an unknown SKU. */
export function registryLimits(sku: string): RegistryLimits | undefined {
  const counts = limitsBySku[sku.toLowerCase()];
  return counts && { sku, ...counts, repositoriesPerScopeMap: 500, actionsPerScopeMap: 500 };
}

/** The limits in one sentence, for a form's prompt before the user types anything. */
export function describeLimits(limits: RegistryLimits, used?: { tokens?: number; scopeMaps?: number }): string {
  const counts = l10n.t(
    'A {0} registry holds up to {1} tokens and {2} scope maps; a scope map up to {3} repositories and {4} actions.',
    limits.sku,
    limits.tokens.toLocaleString('en-US'),
    limits.scopeMaps.toLocaleString('en-US'),
    limits.repositoriesPerScopeMap,
    limits.actionsPerScopeMap,
  );
  if (used?.tokens === undefined || used.scopeMaps === undefined) return counts;
  const tokens = used.tokens === 1 ? l10n.t('1 token') : l10n.t('{0} tokens', used.tokens);
  const scopeMaps = used.scopeMaps === 1 ? l10n.t('1 scope map') : l10n.t('{0} scope maps', used.scopeMaps);
  return `${counts} ${l10n.t('This one has {0} and {1}.', tokens, scopeMaps)}`;
}

/** Why a token name is refused by ARM (5-50 letters, digits and hyphens), or undefined. */
export function tokenNameProblem(name: string): string | undefined {
  if (/^[a-zA-Z0-9-]{5,50}$/.test(name)) return undefined;
  return l10n.t('A token name is 5 to 50 letters, digits and hyphens ("{0}" is not).', name);
}

/** Why a scope-map name is refused (5-50 letters, digits, hyphens and underscores, not a built-in's), or undefined. */
export function scopeMapNameProblem(name: string): string | undefined {
  if (name.startsWith(builtInScopeMapPrefix)) return l10n.t('Names starting with {0} belong to the built-in scope maps; choose another.', builtInScopeMapPrefix);
  if (/^[a-zA-Z0-9_-]{5,50}$/.test(name)) return undefined;
  return l10n.t('A scope map name is 5 to 50 letters, digits, hyphens and underscores ("{0}" is not).', name);
}

// Distribution's grammar for a repository name: lower-case components joined by `.`, `_`, `__` or dashes.
const nameComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const repositoryName = new RegExp(`^${nameComponent}(?:/${nameComponent})*$`);

/**
 * Why a repository pattern of a scope map is refused, or undefined: a repository name, `*` for all, or a name
 * with one trailing `/*` for everything under it (docs/protocol.md section 9).
 */
export function repositoryPatternProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const name = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
  if (name.length <= 255 && repositoryName.test(name)) return undefined;
  if (pattern.includes('*')) return l10n.t('"{0}": a wildcard may only be one trailing /* (as in team/*) or * alone.', pattern);
  return l10n.t('"{0}" is not a repository name (lower-case letters, digits, and . _ - between them, parts separated by /).', pattern);
}

/** Repository patterns typed as a list (commas or spaces); a problem when the list is empty, too long or has a bad entry. */
export function parseRepositoryPatterns(text: string, limits?: RegistryLimits): { patterns: string[] } | { problem: string } {
  const patterns = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  if (patterns.length === 0) return { problem: l10n.t('Name at least one repository, or * for all of them.') };
  for (const pattern of patterns) {
    const problem = repositoryPatternProblem(pattern);
    if (problem) return { problem };
  }
  if (limits && patterns.length > limits.repositoriesPerScopeMap) {
    return { problem: l10n.t('A scope map holds at most {0} repositories; this list has {1}.', limits.repositoriesPerScopeMap, patterns.length) };
  }
  return { patterns };
}

/** Scope-map actions for every pattern x permission, in ACR's spelling (`repositories/<repo>/content/read`). */
export function scopeMapActions(patterns: readonly string[], permissions: readonly ScopeMapPermission[]): string[] {
  return patterns.flatMap((pattern) => permissions.map((permission) => `repositories/${pattern}/${permission}`));
}

/** Why a list of actions cannot be a scope map of a registry with these limits, or undefined. */
export function scopeMapActionsProblem(actions: readonly string[], limits?: RegistryLimits): string | undefined {
  if (actions.length === 0) return l10n.t('Choose at least one permission.');
  if (limits && actions.length > limits.actionsPerScopeMap) {
    return l10n.t('A scope map holds at most {0} actions; repositories x permissions makes {1}. Use fewer repositories (a trailing /* covers many).', limits.actionsPerScopeMap, actions.length);
  }
  return undefined;
}

/** The repositories and permissions of scope-map actions, for showing and editing; actions that do not parse are skipped. */
export function splitScopeMapActions(actions: readonly string[]): { patterns: string[]; permissions: ScopeMapPermission[] } {
  const patterns = new Set<string>();
  const permissions = new Set<ScopeMapPermission>();
  for (const action of actions) {
    const match = /^repositories\/(.+)\/(content\/\w+|metadata\/\w+)$/.exec(action);
    if (!match || !(scopeMapPermissions as readonly string[]).includes(match[2])) continue;
    patterns.add(match[1]);
    permissions.add(match[2] as ScopeMapPermission);
  }
  return { patterns: [...patterns], permissions: scopeMapPermissions.filter((permission) => permissions.has(permission)) };
}

/**
 * A password expiry typed by the user: a number of days from now, a date (`2026-03-31`) or date and time
 * (ISO 8601), or `never`. Past and malformed dates are refused with the reason.
 */
export function parsePasswordExpiry(text: string, now: number): { expiry: Date | undefined } | { problem: string } {
  const value = text.trim();
  if (/^never$/i.test(value)) return { expiry: undefined };
  if (/^\d+$/.test(value)) {
    const days = Number(value);
    if (days < 1 || days > 36_500) return { problem: l10n.t('Give a number of days from 1 to 36500, a date such as 2030-12-31, or never.') };
    return { expiry: new Date(now + days * 24 * 3600_000) };
  }
  const isoDate = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value);
  const parsed = isoDate ? Date.parse(value.length === 10 ? `${value}T23:59:59Z` : value) : Number.NaN;
  if (Number.isNaN(parsed) || !isCalendarDate(value)) {
    return { problem: l10n.t('"{0}" is not a date. Give a number of days, a date such as 2030-12-31, or never.', value) };
  }
  if (parsed <= now) return { problem: l10n.t('{0} is in the past; a password must expire later than now.', value) };
  return { expiry: new Date(parsed) };
}

/** Date.parse rolls 2030-02-31 over into March; a date like that is a typo, not a date. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
