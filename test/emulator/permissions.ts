import { RoleAssignmentFixture, RoleName } from './fixture';

/** Registry actions in the Docker scope grammar, with ACR's own additions (docs/protocol.md section 4). */
export type RepositoryAction = 'pull' | 'push' | 'delete' | 'metadata_read' | 'metadata_write' | 'deleted_read' | 'deleted_restore';

export interface Grant {
  /** `*`, an exact repository name, or a prefix ending in `*`. */
  readonly repositories: string;
  readonly actions: readonly RepositoryAction[];
}

export interface Permissions {
  readonly catalog: boolean;
  readonly grants: readonly Grant[];
}

export const noPermissions: Permissions = { catalog: false, grants: [] };

const everything: RepositoryAction[] = ['pull', 'push', 'delete', 'metadata_read', 'metadata_write', 'deleted_read', 'deleted_restore'];

export const fullPermissions: Permissions = { catalog: true, grants: [{ repositories: '*', actions: everything }] };

/** Data-plane rights of the registry roles (docs/protocol.md section 8), on registries not in ABAC mode. */
const registryRoleActions: Partial<Record<RoleName, { catalog: boolean; actions: RepositoryAction[] }>> = {
  Owner: { catalog: true, actions: everything },
  Contributor: { catalog: true, actions: everything },
  Reader: { catalog: true, actions: ['pull', 'metadata_read'] },
  AcrPush: { catalog: true, actions: ['pull', 'push', 'metadata_read', 'metadata_write'] },
  AcrPull: { catalog: true, actions: ['pull', 'metadata_read'] },
  AcrDelete: { catalog: false, actions: ['delete'] },
};

/** In ABAC mode only these grant data-plane rights, limited to the repositories of their condition. */
const repositoryRoleActions: Partial<Record<RoleName, { catalog: boolean; actions: RepositoryAction[] }>> = {
  'Container Registry Repository Reader': { catalog: false, actions: ['pull', 'metadata_read'] },
  'Container Registry Repository Writer': { catalog: false, actions: ['pull', 'push', 'metadata_read', 'metadata_write'] },
  'Container Registry Repository Contributor': { catalog: false, actions: ['pull', 'push', 'delete', 'metadata_read', 'metadata_write'] },
  'Container Registry Repository Catalog Lister': { catalog: true, actions: [] },
};

/** What a role definition allows, in the shape of ARM's permissions API (docs/protocol.md section 8). */
export interface RoleDefinitionPermissions {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

const registryActions = 'Microsoft.ContainerRegistry/registries';
const repositoryData = (...verbs: string[]): string[] => verbs.map((verb) => `${registryActions}/repositories/${verb}`);
const definition = (actions: string[], notActions: string[] = [], dataActions: string[] = []): RoleDefinitionPermissions => ({ actions, notActions, dataActions, notDataActions: [] });

/** The built-in roles' real action lists, as Azure's built-in roles reference gives them. */
export const roleDefinitions: Record<RoleName, RoleDefinitionPermissions> = {
  Owner: definition(['*']),
  Contributor: definition(
    ['*'],
    [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
    ],
  ),
  Reader: definition(['*/read']),
  AcrPull: definition([`${registryActions}/pull/read`]),
  AcrPush: definition([`${registryActions}/pull/read`, `${registryActions}/push/write`]),
  AcrDelete: definition([`${registryActions}/artifacts/delete`]),
  'Container Registry Repository Reader': definition([], [], repositoryData('content/read', 'metadata/read')),
  'Container Registry Repository Writer': definition([], [], repositoryData('content/read', 'content/write', 'metadata/read', 'metadata/write')),
  'Container Registry Repository Contributor': definition([], [], repositoryData('content/delete', 'content/read', 'content/write', 'metadata/delete', 'metadata/read', 'metadata/write')),
  'Container Registry Repository Catalog Lister': definition([], [], [`${registryActions}/catalog/read`]),
};

/** The ABAC condition of a repository role limited to some repositories, as the portal writes it. */
export function repositoryCondition(repositories: readonly string[]): string {
  return repositories
    .map((repo) =>
      repo.endsWith('*')
        ? `@Request[${registryActions}/repositories:name] StringStartsWithIgnoreCase '${repo.slice(0, -1)}'`
        : `@Request[${registryActions}/repositories:name] StringEqualsIgnoreCase '${repo}'`,
    )
    .join(' OR ');
}

export function permissionsFromRoles(assignments: RoleAssignmentFixture[], abac: boolean): Permissions {
  let catalog = false;
  const grants: Grant[] = [];
  for (const assignment of assignments) {
    const rights = (abac ? repositoryRoleActions : registryRoleActions)[assignment.role];
    if (!rights) continue;
    catalog ||= rights.catalog;
    if (rights.actions.length === 0) continue;
    for (const repositories of assignment.repositories ?? ['*']) grants.push({ repositories, actions: rights.actions });
  }
  return { catalog, grants };
}

const scopeMapActionToRegistryAction: Record<string, RepositoryAction> = {
  'content/read': 'pull',
  'content/write': 'push',
  'content/delete': 'delete',
  'metadata/read': 'metadata_read',
  'metadata/write': 'metadata_write',
};

/** Scope-map actions such as `repositories/app/content/read`. Tokens never list the catalog (Azure/acr#675). */
export function permissionsFromScopeMap(actions: string[]): Permissions {
  const grants: Grant[] = [];
  for (const action of actions) {
    const match = /^repositories\/(.+)\/(content\/\w+|metadata\/\w+)$/.exec(action);
    const registryAction = match ? scopeMapActionToRegistryAction[match[2]] : undefined;
    if (match && registryAction) grants.push({ repositories: match[1], actions: [registryAction] });
  }
  return { catalog: false, grants };
}

export function hasAnyPermission(permissions: Permissions): boolean {
  return permissions.catalog || permissions.grants.length > 0;
}

function matches(pattern: string, repository: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return repository.startsWith(pattern.slice(0, -1));
  return pattern === repository;
}

export function allowedActions(permissions: Permissions, repository: string): Set<RepositoryAction> {
  const allowed = new Set<RepositoryAction>();
  for (const grant of permissions.grants) {
    if (matches(grant.repositories, repository)) grant.actions.forEach((action) => allowed.add(action));
  }
  return allowed;
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:<name>:pull,push` or `registry:catalog:*`; undefined when it does not parse. */
export function parseScope(scope: string): Scope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

/**
 * The `access` claim for the requested scopes: each scope keeps only the actions the caller has.
 * Scopes are kept with an empty action list when nothing is allowed, as ACR does.
 */
export function grantScopes(permissions: Permissions, scopes: Scope[]): AccessEntry[] {
  const access: AccessEntry[] = [];
  for (const scope of scopes) {
    if (scope.type === 'registry' && scope.name === 'catalog') {
      access.push({ type: 'registry', name: 'catalog', actions: permissions.catalog && scope.actions.includes('*') ? ['*'] : [] });
    } else if (scope.type === 'repository') {
      const allowed = allowedActions(permissions, scope.name);
      const wanted = scope.actions.includes('*') ? [...allowed] : scope.actions.filter((action) => allowed.has(action as RepositoryAction));
      access.push({ type: 'repository', name: scope.name, actions: wanted });
    }
  }
  return access;
}

/** Rights an access token carries, for a null-GUID login with an access token as password. */
export function permissionsFromAccess(access: AccessEntry[]): Permissions {
  let catalog = false;
  const grants: Grant[] = [];
  for (const entry of access) {
    if (entry.type === 'registry' && entry.name === 'catalog' && entry.actions.includes('*')) catalog = true;
    if (entry.type === 'repository' && entry.actions.length > 0) {
      grants.push({ repositories: entry.name, actions: entry.actions.filter((action): action is RepositoryAction => (everything as string[]).includes(action)) });
    }
  }
  return { catalog, grants };
}

/** The coarse `permissions.actions` of a refresh token. */
export function permissionSummary(permissions: Permissions): string[] {
  const actions = new Set<string>();
  for (const grant of permissions.grants) {
    for (const action of grant.actions) {
      actions.add({ pull: 'read', push: 'write', delete: 'delete', metadata_read: 'metadata/read', metadata_write: 'metadata/write', deleted_read: 'deleted/read', deleted_restore: 'deleted/restore/action' }[action]);
    }
  }
  return [...actions];
}
