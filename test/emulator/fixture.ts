import { readFileSync } from 'node:fs';
import { isRepositoryName } from './registryStorage';

/**
 * The fixture describes the emulated Azure world. Identities, subscriptions and registries refer to each
 * other by the `name` of an identity and the `id` of a tenant or subscription.
 */
export interface Fixture {
  cloud?: {
    /** The audience ARM tokens carry and ARM checks (a custom cloud's "active directory resource id"). */
    armAudience?: string;
  };
  lifetimes?: Partial<Lifetimes>;
  tenants: TenantFixture[];
  identities: IdentityFixture[];
  subscriptions: SubscriptionFixture[];
  registries: RegistryFixture[];
  /** Which managed identities the emulated VM's IMDS serves. */
  imds?: { systemAssigned?: string; userAssigned?: string[] };
}

export interface Lifetimes {
  entraSeconds: number;
  acrRefreshSeconds: number;
  acrAccessSeconds: number;
  deviceCodeSeconds: number;
  devicePollIntervalSeconds: number;
  /** How long a token password takes to work after it is generated (ACR: up to a minute); 0 by default. */
  tokenPasswordActivationSeconds: number;
}

export interface TenantFixture {
  id: string;
  displayName: string;
  defaultDomain: string;
  /**
   * Conditional access asks for MFA: a refresh token answers `interaction_required` here until the user has
   * signed in to this tenant interactively (device code or browser), as a guest tenant's policy often does.
   */
  requiresMfa?: boolean;
}

export type IdentityKind = 'user' | 'servicePrincipal' | 'managedIdentity';

export interface IdentityFixture {
  /** The handle role assignments use. */
  name: string;
  kind: IdentityKind;
  objectId: string;
  displayName: string;
  /** Users: every tenant they belong to, home first. Others: exactly one. */
  tenants: string[];
  /** Users only. */
  username?: string;
  /** Service principals and managed identities. */
  clientId?: string;
  /** Service principals: client secrets. */
  secrets?: string[];
  /** Service principals: the emulator makes a certificate and writes it (with its key) to a PEM file. */
  certificate?: boolean;
  /** Workload identity: the emulator's own service-account issuer signs assertions with these subjects. */
  federatedSubjects?: string[];
  /**
   * Users only: a personal Microsoft account (outlook.com, live.com), whose one tenant is `personalAccountsTenant`
   * (which the fixture lists too). Its tokens carry `idp: live.com`, and login servers refuse them (docs/protocol.md section 3).
   */
  personalAccount?: boolean;
}

/** The tenant of every personal Microsoft account, in the `tid` of their tokens (docs/protocol.md section 10). */
export const personalAccountsTenant = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface SubscriptionFixture {
  id: string;
  displayName: string;
  tenant: string;
  roles?: RoleAssignmentFixture[];
}

export const registryRoles = ['Owner', 'Contributor', 'Reader', 'AcrPush', 'AcrPull', 'AcrDelete'] as const;
export const repositoryRoles = [
  'Container Registry Repository Reader',
  'Container Registry Repository Writer',
  'Container Registry Repository Contributor',
  'Container Registry Repository Catalog Lister',
] as const;
export type RoleName = (typeof registryRoles)[number] | (typeof repositoryRoles)[number];

export interface RoleAssignmentFixture {
  identity: string;
  role: RoleName;
  /** ABAC condition: repository names, or prefixes ending in `*`. Only on repository roles. */
  repositories?: string[];
}

export interface RegistryFixture {
  name: string;
  subscription: string;
  resourceGroup: string;
  location: string;
  sku: 'Basic' | 'Standard' | 'Premium';
  adminUserEnabled: boolean;
  /** The `azureADAuthenticationAsArmPolicy`; true unless set to false. */
  armAudienceTokens?: boolean;
  /** "Repository permissions" mode: only repository roles grant data-plane access. */
  abac?: boolean;
  /**
   * Dedicated data endpoints on: ARM lists one, `<name>.<location>.data.azurecr.invalid`, for the registry's location.
   * The emulator serves none, so the name is one that never resolves (RFC 6761).
   */
  dataEndpointEnabled?: boolean;
  /** Regions of its geo-replicas beyond its own location (Premium). */
  replications?: string[];
  /**
   * Regional endpoints on: ARM lists one, `<name>.<region>.geo.azurecr.invalid`, for its location and each geo-replica's.
   * The emulator serves none, so the names never resolve (RFC 6761).
   */
  regionalEndpoints?: boolean;
  roles?: RoleAssignmentFixture[];
  /** Repository name -> tags. */
  repositories?: Record<string, string[]>;
  /** Repository name (one of `repositories`) -> `os/architecture` of each image its tags are multi-platform images of (manifest lists). */
  platforms?: Record<string, string[]>;
  /** Many repositories named `<prefix><number>` (from 1, at least four digits), each with the same image per tag, for paging. */
  generatedRepositories?: { prefix: string; count: number; tags: string[] };
  /** One repository with many tags, each its own image pushed a minute after the previous one; names do not sort in push order. */
  generatedTags?: { repository: string; count: number };
  scopeMaps?: ScopeMapFixture[];
  tokens?: TokenFixture[];
}

export interface ScopeMapFixture {
  name: string;
  description?: string;
  actions: string[];
}

export interface TokenFixture {
  name: string;
  scopeMap: string;
  status?: 'enabled' | 'disabled';
  passwords?: Array<{ name: 'password1' | 'password2'; value: string; expiry?: string }>;
}

export const defaultLifetimes: Lifetimes = {
  entraSeconds: 3600,
  acrRefreshSeconds: 3 * 3600,
  acrAccessSeconds: 4500,
  deviceCodeSeconds: 900,
  devicePollIntervalSeconds: 1,
  tokenPasswordActivationSeconds: 0,
};

/** Lifetimes that may be 0; the others must be positive. */
export const lifetimesThatMayBeZero: ReadonlySet<string> = new Set(['tokenPasswordActivationSeconds']);

export function lifetimeProblem(key: string, seconds: unknown): string | undefined {
  if (!(key in defaultLifetimes)) return `unknown lifetime (known: ${Object.keys(defaultLifetimes).join(', ')})`;
  if (typeof seconds === 'number' && seconds === 0 && lifetimesThatMayBeZero.has(key)) return undefined;
  return typeof seconds === 'number' && seconds > 0 ? undefined : 'must be a positive number of seconds';
}

export class FixtureError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`The fixture ${source} is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export function loadFixture(file: string): Fixture {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FixtureError([`cannot be read as JSON: ${(error as Error).message}`], file);
  }
  return validateFixture(parsed, file);
}

/** Checks every field and every reference, and lists all problems at once with their paths. */
export function validateFixture(value: unknown, source = '(object)'): Fixture {
  const problems: string[] = [];
  const check = new Checker(problems);
  const root = check.object(value, 'fixture');
  if (!root) throw new FixtureError(problems, source);

  const cloud = check.optionalObject(root.cloud, 'cloud');
  if (cloud) check.optionalString(cloud.armAudience, 'cloud.armAudience');
  const lifetimes = check.optionalObject(root.lifetimes, 'lifetimes');
  if (lifetimes) {
    for (const [key, seconds] of Object.entries(lifetimes)) {
      const problem = lifetimeProblem(key, seconds);
      if (problem) problems.push(`lifetimes.${key}: ${problem}`);
    }
  }

  const tenantIds = new Set<string>();
  check.array(root.tenants, 'tenants').forEach((tenant, i) => {
    const path = `tenants[${i}]`;
    const t = check.object(tenant, path);
    if (!t) return;
    const id = check.guid(t.id, `${path}.id`);
    check.string(t.displayName, `${path}.displayName`);
    check.string(t.defaultDomain, `${path}.defaultDomain`);
    if (id) check.unique(tenantIds, id, `${path}.id`);
  });

  const identityNames = new Set<string>();
  const clientIds = new Set<string>();
  check.array(root.identities, 'identities').forEach((identity, i) => {
    const path = `identities[${i}]`;
    const id = check.object(identity, path);
    if (!id) return;
    const name = check.string(id.name, `${path}.name`);
    if (name) check.unique(identityNames, name, `${path}.name`);
    const kind = check.oneOf(id.kind, ['user', 'servicePrincipal', 'managedIdentity'], `${path}.kind`);
    check.guid(id.objectId, `${path}.objectId`);
    check.string(id.displayName, `${path}.displayName`);
    const tenants = check.array(id.tenants, `${path}.tenants`);
    tenants.forEach((tenant, j) => check.reference(tenant, tenantIds, `${path}.tenants[${j}]`, 'tenant'));
    if (tenants.length === 0) problems.push(`${path}.tenants: needs at least one tenant`);
    if (kind === 'user') {
      check.string(id.username, `${path}.username`);
      for (const key of ['clientId', 'secrets', 'certificate', 'federatedSubjects']) {
        if (id[key] !== undefined) problems.push(`${path}.${key}: users have no ${key}`);
      }
    } else if (kind) {
      if (tenants.length > 1) problems.push(`${path}.tenants: a ${kind} lives in exactly one tenant`);
      const clientId = check.guid(id.clientId, `${path}.clientId`);
      if (clientId) check.unique(clientIds, clientId, `${path}.clientId`);
      if (kind === 'managedIdentity' && (id.secrets !== undefined || id.certificate !== undefined)) {
        problems.push(`${path}: managed identities have no secrets or certificates`);
      }
      check.optionalArray(id.secrets, `${path}.secrets`).forEach((secret, j) => check.string(secret, `${path}.secrets[${j}]`));
      if (id.certificate !== undefined && typeof id.certificate !== 'boolean') problems.push(`${path}.certificate: must be true or false`);
      check.optionalArray(id.federatedSubjects, `${path}.federatedSubjects`).forEach((subject, j) => check.string(subject, `${path}.federatedSubjects[${j}]`));
    }
    check.optionalBoolean(id.personalAccount, `${path}.personalAccount`);
    if (id.personalAccount === true && (kind !== 'user' || tenants.length !== 1 || tenants[0] !== personalAccountsTenant)) {
      problems.push(`${path}.personalAccount: a personal account is a user whose one tenant is ${personalAccountsTenant}`);
    }
  });

  const checkRoles = (roles: unknown, path: string, abac: boolean): void => {
    check.optionalArray(roles, path).forEach((assignment, i) => {
      const rolePath = `${path}[${i}]`;
      const a = check.object(assignment, rolePath);
      if (!a) return;
      check.reference(a.identity, identityNames, `${rolePath}.identity`, 'identity');
      const role = check.oneOf(a.role, [...registryRoles, ...repositoryRoles], `${rolePath}.role`);
      const isRepositoryRole = (repositoryRoles as readonly string[]).includes(role ?? '');
      if (a.repositories !== undefined) {
        if (!isRepositoryRole) problems.push(`${rolePath}.repositories: only repository roles take a repository condition`);
        check.array(a.repositories, `${rolePath}.repositories`).forEach((repo, j) => check.string(repo, `${rolePath}.repositories[${j}]`));
      }
      if (isRepositoryRole && !abac) problems.push(`${rolePath}.role: repository roles apply only to registries with "abac": true`);
    });
  };

  const subscriptionIds = new Set<string>();
  check.array(root.subscriptions, 'subscriptions').forEach((subscription, i) => {
    const path = `subscriptions[${i}]`;
    const s = check.object(subscription, path);
    if (!s) return;
    const id = check.guid(s.id, `${path}.id`);
    if (id) check.unique(subscriptionIds, id, `${path}.id`);
    check.string(s.displayName, `${path}.displayName`);
    check.reference(s.tenant, tenantIds, `${path}.tenant`, 'tenant');
    checkRoles(s.roles, `${path}.roles`, false);
  });

  const registryNames = new Set<string>();
  check.array(root.registries, 'registries').forEach((registry, i) => {
    const path = `registries[${i}]`;
    const r = check.object(registry, path);
    if (!r) return;
    const name = check.string(r.name, `${path}.name`);
    if (name !== undefined) {
      if (!/^[a-zA-Z0-9]{5,50}$/.test(name)) problems.push(`${path}.name: "${name}" must be 5-50 letters and digits, as ACR requires`);
      check.unique(registryNames, name.toLowerCase(), `${path}.name`);
    }
    check.reference(r.subscription, subscriptionIds, `${path}.subscription`, 'subscription');
    check.string(r.resourceGroup, `${path}.resourceGroup`);
    check.string(r.location, `${path}.location`);
    check.oneOf(r.sku, ['Basic', 'Standard', 'Premium'], `${path}.sku`);
    check.boolean(r.adminUserEnabled, `${path}.adminUserEnabled`);
    check.optionalBoolean(r.armAudienceTokens, `${path}.armAudienceTokens`);
    check.optionalBoolean(r.abac, `${path}.abac`);
    check.optionalBoolean(r.dataEndpointEnabled, `${path}.dataEndpointEnabled`);
    check.optionalArray(r.replications, `${path}.replications`).forEach((region, j) => check.string(region, `${path}.replications[${j}]`));
    check.optionalBoolean(r.regionalEndpoints, `${path}.regionalEndpoints`);
    checkRoles(r.roles, `${path}.roles`, r.abac === true);
    const repositories = check.optionalObject(r.repositories, `${path}.repositories`);
    for (const [repo, tags] of Object.entries(repositories ?? {})) {
      if (!isRepositoryName(repo)) problems.push(`${path}.repositories: "${repo}" is not a valid repository name (lower-case, digits, . _ - and /)`);
      const tagList = check.array(tags, `${path}.repositories["${repo}"]`);
      if (tagList.length === 0) problems.push(`${path}.repositories["${repo}"]: needs at least one tag`);
      tagList.forEach((tag, j) => {
        if (typeof tag !== 'string' || !/^[\w][\w.-]{0,127}$/.test(tag)) problems.push(`${path}.repositories["${repo}"][${j}]: not a valid tag`);
      });
    }
    for (const [repo, platforms] of Object.entries(check.optionalObject(r.platforms, `${path}.platforms`) ?? {})) {
      if (!repositories || !(repo in repositories)) problems.push(`${path}.platforms: "${repo}" is not in repositories`);
      const list = check.array(platforms, `${path}.platforms["${repo}"]`);
      if (list.length === 0) problems.push(`${path}.platforms["${repo}"]: needs at least one platform`);
      list.forEach((platform, j) => {
        if (typeof platform !== 'string' || !/^[a-z0-9]+\/[a-z0-9]+$/.test(platform)) problems.push(`${path}.platforms["${repo}"][${j}]: not an os/architecture such as linux/arm64`);
      });
    }
    const generated = check.optionalObject(r.generatedRepositories, `${path}.generatedRepositories`);
    if (generated) {
      check.string(generated.prefix, `${path}.generatedRepositories.prefix`);
      if (typeof generated.count !== 'number' || !Number.isInteger(generated.count) || generated.count < 1) {
        problems.push(`${path}.generatedRepositories.count: must be a positive whole number`);
      }
      check.array(generated.tags, `${path}.generatedRepositories.tags`).forEach((tag, j) => check.string(tag, `${path}.generatedRepositories.tags[${j}]`));
    }
    const generatedTags = check.optionalObject(r.generatedTags, `${path}.generatedTags`);
    if (generatedTags) {
      const repo = check.string(generatedTags.repository, `${path}.generatedTags.repository`);
      if (repo !== undefined && !isRepositoryName(repo)) problems.push(`${path}.generatedTags.repository: "${repo}" is not a valid repository name (lower-case, digits, . _ - and /)`);
      if (repo !== undefined && repositories && repo in repositories) problems.push(`${path}.generatedTags.repository: "${repo}" is also in repositories; use one or the other`);
      if (typeof generatedTags.count !== 'number' || !Number.isInteger(generatedTags.count) || generatedTags.count < 1 || generatedTags.count > 100_000) {
        problems.push(`${path}.generatedTags.count: must be a whole number from 1 to 100000`);
      }
    }
    const scopeMapNames = new Set<string>(builtInScopeMaps.map((map) => map.name));
    check.optionalArray(r.scopeMaps, `${path}.scopeMaps`).forEach((scopeMap, j) => {
      const mapPath = `${path}.scopeMaps[${j}]`;
      const m = check.object(scopeMap, mapPath);
      if (!m) return;
      const mapName = check.string(m.name, `${mapPath}.name`);
      if (mapName) check.unique(scopeMapNames, mapName, `${mapPath}.name`);
      if (mapName && !scopeMapNamePattern.test(mapName)) problems.push(`${mapPath}.name: "${mapName}" must be 5-50 letters, digits, - and _`);
      check.optionalString(m.description, `${mapPath}.description`);
      check.array(m.actions, `${mapPath}.actions`).forEach((action, k) => {
        if (typeof action !== 'string' || !isScopeMapAction(action)) {
          problems.push(`${mapPath}.actions[${k}]: ${shown(action)} is not an action like repositories/<repo>/content/read`);
        }
      });
    });
    const tokenNames = new Set<string>();
    check.optionalArray(r.tokens, `${path}.tokens`).forEach((token, j) => {
      const tokenPath = `${path}.tokens[${j}]`;
      const t = check.object(token, tokenPath);
      if (!t) return;
      const tokenName = check.string(t.name, `${tokenPath}.name`);
      if (tokenName) check.unique(tokenNames, tokenName, `${tokenPath}.name`);
      if (tokenName && !tokenNamePattern.test(tokenName)) problems.push(`${tokenPath}.name: "${tokenName}" must be 5-50 letters, digits and -`);
      check.reference(t.scopeMap, scopeMapNames, `${tokenPath}.scopeMap`, 'scope map of this registry');
      if (t.status !== undefined) check.oneOf(t.status, ['enabled', 'disabled'], `${tokenPath}.status`);
      check.optionalArray(t.passwords, `${tokenPath}.passwords`).forEach((password, k) => {
        const passwordPath = `${tokenPath}.passwords[${k}]`;
        const p = check.object(password, passwordPath);
        if (!p) return;
        check.oneOf(p.name, ['password1', 'password2'], `${passwordPath}.name`);
        check.string(p.value, `${passwordPath}.value`);
        if (p.expiry !== undefined && (typeof p.expiry !== 'string' || Number.isNaN(Date.parse(p.expiry)))) {
          problems.push(`${passwordPath}.expiry: must be an ISO date`);
        }
      });
    });
  });

  const imds = check.optionalObject(root.imds, 'imds');
  if (imds) {
    if (imds.systemAssigned !== undefined) check.reference(imds.systemAssigned, identityNames, 'imds.systemAssigned', 'identity');
    check.optionalArray(imds.userAssigned, 'imds.userAssigned').forEach((name, i) => check.reference(name, identityNames, `imds.userAssigned[${i}]`, 'identity'));
    // Read only as far as the checks above found them well formed: a null identity or a non-array must not crash this.
    const identities = (Array.isArray(root.identities) ? (root.identities as unknown[]) : []).filter((candidate): candidate is IdentityFixture => typeof candidate === 'object' && candidate !== null);
    const userAssigned: unknown[] = Array.isArray(imds.userAssigned) ? imds.userAssigned : [];
    for (const name of [imds.systemAssigned, ...userAssigned]) {
      const identity = identities.find((candidate) => candidate.name === name);
      if (identity && identity.kind !== 'managedIdentity') problems.push(`imds: ${shown(name)} is not a managed identity`);
    }
  }

  if (problems.length > 0) throw new FixtureError(problems, source);
  return root as unknown as Fixture;
}

/**
 * `repositories/<repo>/content/read|write|delete` or `.../metadata/read|write`, where <repo> is a repository
 * name, `*`, or a name with one trailing `/*` (docs/protocol.md section 9).
 */
export function isScopeMapAction(action: string): boolean {
  const match = /^repositories\/(.+)\/(content\/(read|write|delete)|metadata\/(read|write))$/.exec(action);
  if (!match) return false;
  const repository = match[1];
  return repository === '*' || isRepositoryName(repository.endsWith('/*') ? repository.slice(0, -2) : repository);
}

/** The repository part of a scope-map action (`*`, a name, or `<prefix>/*`). */
export function scopeMapActionRepository(action: string): string {
  return action.replace(/^repositories\//, '').replace(/\/(content|metadata)\/\w+$/, '');
}

/** ARM's name rules (docs/protocol.md section 9). */
export const tokenNamePattern = /^[a-zA-Z0-9-]{5,50}$/;
export const scopeMapNamePattern = /^[a-zA-Z0-9_-]{5,50}$/;

/** Tokens and (user-defined) scope maps a registry may have, by SKU; and what one scope map may hold. */
export const skuLimits: Record<'Basic' | 'Standard' | 'Premium', { tokens: number; scopeMaps: number }> = {
  Basic: { tokens: 100, scopeMaps: 100 },
  Standard: { tokens: 500, scopeMaps: 500 },
  Premium: { tokens: 50_000, scopeMaps: 50_000 },
};
export const scopeMapLimits = { actions: 500, repositories: 500 };

/** A value for a problem message: JSON, since String() throws on an object with a "toString" that is not a function. */
function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export const builtInScopeMaps: ScopeMapFixture[] = [
  {
    name: '_repositories_admin',
    description: 'Can perform all read, write and delete operations on the registry',
    actions: ['repositories/*/metadata/read', 'repositories/*/metadata/write', 'repositories/*/content/read', 'repositories/*/content/write', 'repositories/*/content/delete'],
  },
  { name: '_repositories_pull', description: 'Can pull any repository of the registry', actions: ['repositories/*/content/read'] },
  { name: '_repositories_push', description: 'Can push to any repository of the registry', actions: ['repositories/*/content/read', 'repositories/*/content/write'] },
];

class Checker {
  constructor(private readonly problems: string[]) {}

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problems.push(`${path}: must be an object`);
    return undefined;
  }

  optionalObject(value: unknown, path: string): Record<string, unknown> | undefined {
    return value === undefined ? undefined : this.object(value, path);
  }

  array(value: unknown, path: string): unknown[] {
    if (Array.isArray(value)) return value;
    this.problems.push(`${path}: must be a list`);
    return [];
  }

  optionalArray(value: unknown, path: string): unknown[] {
    return value === undefined ? [] : this.array(value, path);
  }

  string(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && value.length > 0) return value;
    this.problems.push(`${path}: must be a non-empty string`);
    return undefined;
  }

  optionalString(value: unknown, path: string): void {
    if (value !== undefined) this.string(value, path);
  }

  boolean(value: unknown, path: string): void {
    if (typeof value !== 'boolean') this.problems.push(`${path}: must be true or false`);
  }

  optionalBoolean(value: unknown, path: string): void {
    if (value !== undefined) this.boolean(value, path);
  }

  guid(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) return value;
    this.problems.push(`${path}: must be a lower-case GUID`);
    return undefined;
  }

  oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T | undefined {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${path}: must be one of ${allowed.map((item) => `"${item}"`).join(', ')}`);
    return undefined;
  }

  unique(seen: Set<string>, value: string, path: string): void {
    if (seen.has(value)) this.problems.push(`${path}: "${value}" is used twice`);
    seen.add(value);
  }

  reference(value: unknown, known: Set<string>, path: string, what: string): void {
    if (typeof value !== 'string' || !known.has(value)) {
      const article = /^[aeiou]/.test(what) ? 'an' : 'a';
      this.problems.push(`${path}: ${shown(value)} is not ${article} ${what} defined in this fixture`);
    }
  }
}
