import * as l10n from '@vscode/l10n';
import type { ActionableFailure } from '../actionableFailure';

/** The repository actions an access token can be asked for (docs/protocol.md section 4). */
export const repositoryActions = ['pull', 'push', 'delete', 'metadata_read', 'metadata_write'] as const;
export type RepositoryAction = (typeof repositoryActions)[number];

// Docker's repository name grammar: lower-case path components separated by `/` (docs/protocol.md section 4).
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** Docker's limit for a whole image name; a repository name alone cannot be longer. */
const maxRepositoryLength = 255;

/** Thrown for a request that cannot become scopes; the message says what to change. */
export class AccessTokenRequestError extends Error implements ActionableFailure {
  readonly needsUser = true;
  readonly nextStep = 'showLog';
  readonly failureKind = 'acr.accessTokenRequest';

  constructor(message: string) {
    super(message);
    this.name = 'AccessTokenRequestError';
  }
}

/**
 * Why a repository name cannot be put in an OAuth scope, or undefined when it can. Wildcards are refused
 * first, with the reason: a scope names one repository exactly.
 */
export function repositoryNameProblem(name: string): string | undefined {
  if (name === '') return l10n.t('Enter a repository name, such as team/api.');
  if (/[*?]/.test(name)) {
    return l10n.t(
      '"{0}" has a wildcard. An access token\'s scopes name each repository exactly, so wildcards cannot be used here: list the repositories one by one (a repository-scoped ACR token with a scope map can cover team/*).',
      name,
    );
  }
  if (name.length > maxRepositoryLength) return l10n.t('"{0}..." is longer than {1} characters, more than a repository name may have.', name.slice(0, 40), maxRepositoryLength);
  if (name !== name.toLowerCase()) return l10n.t('Repository names are lower case: "{0}".', name.toLowerCase());
  // `:` separates the parts of a scope, so a name with one would ask for something else than typed.
  if (name.includes(':')) return l10n.t('"{0}" has a ":"; a repository name has none (a tag or digest is not part of it).', name);
  const badComponent = name.split('/').find((component) => !pathComponent.test(component));
  if (badComponent !== undefined) {
    return badComponent === ''
      ? l10n.t('"{0}" has an empty part between slashes, or a slash at the start or end.', name)
      : l10n.t('"{0}" is not a valid part of a repository name: use lower-case letters, digits and single . _ __ - separators between them.', badComponent);
  }
  return undefined;
}

/** Repository names typed in one line, separated by commas or spaces, without repeats. */
export function splitRepositoryList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((name) => name !== ''))];
}

/** Why a typed list of repositories cannot be used, or undefined when it can: for an input box's validation. */
export function repositoryListProblem(text: string): string | undefined {
  const names = splitRepositoryList(text);
  if (names.length === 0) return l10n.t('Name at least one repository, such as team/api (several are separated by commas).');
  for (const name of names) {
    const problem = repositoryNameProblem(name);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The OAuth scopes for these repositories and actions, one `repository:<name>:<actions>` per repository
 * (docs/protocol.md section 4). Refuses an empty list, a name the grammar refuses (wildcards included) and
 * an unknown action, before anything is sent.
 */
export function accessTokenScopes(repositories: readonly string[], actions: readonly string[]): string[] {
  const names = [...new Set(repositories)];
  if (names.length === 0) throw new AccessTokenRequestError(l10n.t('Name at least one repository, such as team/api (several are separated by commas).'));
  for (const name of names) {
    const problem = repositoryNameProblem(name);
    if (problem) throw new AccessTokenRequestError(problem);
  }
  const unknown = actions.find((action) => !(repositoryActions as readonly string[]).includes(action));
  if (unknown !== undefined) throw new AccessTokenRequestError(l10n.t('"{0}" is not a repository action. Choose from {1}.', unknown, repositoryActions.join(', ')));
  // In the order of `repositoryActions`, so the same choice always makes the same scope.
  const chosen = repositoryActions.filter((action) => actions.includes(action));
  if (chosen.length === 0) throw new AccessTokenRequestError(l10n.t('Choose at least one action, such as pull.'));
  return names.map((name) => `repository:${name}:${chosen.join(',')}`);
}
