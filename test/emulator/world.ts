import { randomBytes, randomUUID } from 'node:crypto';
import { builtInScopeMaps, defaultLifetimes, Fixture, IdentityFixture, Lifetimes, RegistryFixture, RoleAssignmentFixture, RoleName, SubscriptionFixture, TenantFixture } from './fixture';
import { Claims, decodeJwt, signJwt, verifyJwt } from './jwt';
import { AccessEntry, Permissions, fullPermissions, noPermissions, permissionsFromAccess, permissionsFromRoles, permissionsFromScopeMap, permissionSummary } from './permissions';
import { Certificate, KeyPair } from './pki';
import { recordIssuedSecret } from './secretRecord';

export const acrAudience = 'https://containerregistry.azure.net';
export const acrIssuer = 'Azure Container Registry';
export const nullGuid = '00000000-0000-0000-0000-000000000000';
export const workloadAudience = 'api://AzureADTokenExchange';

export interface ScopeMapState {
  name: string;
  description: string;
  type: 'SystemDefined' | 'UserDefined';
  actions: string[];
  creationDate: string;
}

export interface TokenPassword {
  name: 'password1' | 'password2';
  value: string;
  creationTime: string;
  expiry?: string;
}

export interface TokenState {
  name: string;
  scopeMap: string;
  status: 'enabled' | 'disabled';
  creationDate: string;
  passwords: TokenPassword[];
}

export interface RegistryState {
  readonly fixture: RegistryFixture;
  readonly name: string;
  readonly subscription: SubscriptionFixture;
  readonly tenantId: string;
  readonly creationDate: string;
  /** host:port, what ARM reports as `loginServer` and what the challenge names as `service`. */
  loginServer: string;
  adminUserEnabled: boolean;
  armAudienceTokens: boolean;
  adminPasswords: { password: string; password2: string };
  scopeMaps: Map<string, ScopeMapState>;
  tokens: Map<string, TokenState>;
  /** `<repository>:<tag>` -> ISO time it was pushed. */
  tagTimes: Map<string, string>;
  /** How far the login server's clock is ahead (negative: behind): its `Date` header and its tokens' times. */
  clockSkewSeconds: number;
}

/** Who the emulator recognised behind a credential, and what that credential may do on one registry. */
export interface Principal {
  /** For the log: identity name, `admin`, `token:<name>`, or `access-token`. */
  readonly caller: string;
  /** `sub` of minted tokens. */
  readonly subject: string;
  readonly permissions: Permissions;
  readonly roles: string[];
}

/** The emulated Azure: the fixture made live, plus the keys that sign every token. */
export class World {
  readonly lifetimes: Lifetimes;
  readonly armAudience: string;
  readonly tenants: TenantFixture[];
  readonly identities: IdentityFixture[];
  readonly subscriptions: SubscriptionFixture[];
  readonly registries: RegistryState[];
  /** Filled in once the servers listen. */
  entraBase = '';
  readonly entraKeyId = randomBytes(16).toString('hex');
  /** Certificates the emulator made for service principals, by identity name. */
  readonly identityCertificates = new Map<string, Certificate>();

  constructor(
    readonly fixture: Fixture,
    readonly entraKeys: KeyPair,
    readonly acrSigning: Certificate,
    readonly workloadKeys: KeyPair,
  ) {
    this.lifetimes = { ...defaultLifetimes, ...fixture.lifetimes };
    this.armAudience = fixture.cloud?.armAudience ?? 'https://management.azure.com/';
    this.tenants = fixture.tenants;
    this.identities = fixture.identities;
    this.subscriptions = fixture.subscriptions;
    for (const identity of fixture.identities) for (const secret of identity.secrets ?? []) recordIssuedSecret(secret);
    for (const registry of fixture.registries) for (const token of registry.tokens ?? []) for (const password of token.passwords ?? []) recordIssuedSecret(password.value);
    const now = new Date().toISOString();
    this.registries = fixture.registries.map((registry) => {
      const subscription = fixture.subscriptions.find((candidate) => candidate.id === registry.subscription);
      if (!subscription) throw new Error(`registry ${registry.name}: unknown subscription`);
      const scopeMaps = new Map<string, ScopeMapState>();
      for (const map of builtInScopeMaps) scopeMaps.set(map.name, { name: map.name, description: map.description ?? '', type: 'SystemDefined', actions: map.actions, creationDate: now });
      for (const map of registry.scopeMaps ?? []) scopeMaps.set(map.name, { name: map.name, description: map.description ?? '', type: 'UserDefined', actions: map.actions, creationDate: now });
      const tokens = new Map<string, TokenState>();
      for (const token of registry.tokens ?? []) {
        tokens.set(token.name, {
          name: token.name,
          scopeMap: token.scopeMap,
          status: token.status ?? 'enabled',
          creationDate: now,
          passwords: (token.passwords ?? []).map((password) => ({ ...password, creationTime: now })),
        });
      }
      return {
        fixture: registry,
        name: registry.name,
        subscription,
        tenantId: subscription.tenant,
        creationDate: now,
        loginServer: '',
        adminUserEnabled: registry.adminUserEnabled,
        armAudienceTokens: registry.armAudienceTokens ?? true,
        adminPasswords: { password: newSecret(), password2: newSecret() },
        scopeMaps,
        tokens,
        tagTimes: new Map(),
        clockSkewSeconds: 0,
      };
    });
  }

  // ---- Identities ----

  identityByName(name: string): IdentityFixture | undefined {
    return this.identities.find((identity) => identity.name === name);
  }

  identityByObjectId(objectId: string): IdentityFixture | undefined {
    return this.identities.find((identity) => identity.objectId === objectId);
  }

  identityByClientId(clientId: string): IdentityFixture | undefined {
    return this.identities.find((identity) => identity.clientId === clientId);
  }

  /** A tenant by id or by its domain. */
  tenant(idOrDomain: string): TenantFixture | undefined {
    const wanted = idOrDomain.toLowerCase();
    return this.tenants.find((tenant) => tenant.id === wanted || tenant.defaultDomain.toLowerCase() === wanted);
  }

  registry(name: string): RegistryState | undefined {
    return this.registries.find((registry) => registry.name.toLowerCase() === name.toLowerCase());
  }

  // ---- Roles ----

  /** Role assignments of an identity that count on this registry: on the registry and on its subscription. */
  assignmentsOn(registry: RegistryState, identity: IdentityFixture): RoleAssignmentFixture[] {
    return [...(registry.subscription.roles ?? []), ...(registry.fixture.roles ?? [])].filter((assignment) => assignment.identity === identity.name);
  }

  dataPermissions(registry: RegistryState, identity: IdentityFixture): Permissions {
    if (!identity.tenants.includes(registry.tenantId)) return noPermissions;
    return permissionsFromRoles(this.assignmentsOn(registry, identity), registry.fixture.abac === true);
  }

  /** `write` for Owner and Contributor, `read` for Reader as well; ARM ignores the data-plane roles. */
  armAccess(registry: RegistryState, identity: IdentityFixture): 'write' | 'read' | 'none' {
    const roles = new Set<RoleName>(this.assignmentsOn(registry, identity).map((assignment) => assignment.role));
    if (roles.has('Owner') || roles.has('Contributor')) return 'write';
    if (roles.has('Reader')) return 'read';
    return 'none';
  }

  /** The principal behind a Basic-auth or password-grant credential on a registry (docs/protocol.md sections 4 and 5). */
  principalFromPassword(registry: RegistryState, username: string, password: string): Principal | undefined {
    if (username === nullGuid) return this.principalFromAcrJwt(registry, password);
    if (username === registry.name && registry.adminUserEnabled && [registry.adminPasswords.password, registry.adminPasswords.password2].includes(password)) {
      return { caller: 'admin', subject: registry.name, permissions: fullPermissions, roles: [] };
    }
    const token = registry.tokens.get(username);
    if (token) {
      const now = Date.now();
      // A password works from a while after it was generated (docs/protocol.md section 9) until its expiry.
      const activeFrom = (candidate: TokenPassword): number => Date.parse(candidate.creationTime) + this.lifetimes.tokenPasswordActivationSeconds * 1000;
      const valid = token.passwords.some((candidate) => candidate.value === password && activeFrom(candidate) <= now && (!candidate.expiry || Date.parse(candidate.expiry) > now));
      const scopeMap = registry.scopeMaps.get(token.scopeMap);
      if (!valid || token.status !== 'enabled' || !scopeMap) return undefined;
      return { caller: `token:${token.name}`, subject: token.name, permissions: permissionsFromScopeMap(scopeMap.actions), roles: [] };
    }
    const servicePrincipal = this.identityByClientId(username);
    if (servicePrincipal?.kind === 'servicePrincipal' && (servicePrincipal.secrets ?? []).includes(password)) {
      return this.principalFromIdentity(registry, servicePrincipal);
    }
    return undefined;
  }

  principalFromIdentity(registry: RegistryState, identity: IdentityFixture): Principal {
    return {
      caller: identity.name,
      subject: identity.objectId,
      permissions: this.dataPermissions(registry, identity),
      roles: this.assignmentsOn(registry, identity).map((assignment) => assignment.role),
    };
  }

  /** An ACR refresh token (rights recomputed from the subject's roles now) or access token (rights it carries). */
  principalFromAcrJwt(registry: RegistryState, token: string): Principal | undefined {
    const claims = this.verifyAcrJwt(registry, token);
    if (!claims) return undefined;
    if (claims.grant_type === 'refresh_token') {
      const identity = this.identityByObjectId(String(claims.sub));
      return identity ? this.principalFromIdentity(registry, identity) : undefined;
    }
    if (claims.grant_type === 'access_token' && Array.isArray(claims.access)) {
      return { caller: 'access-token', subject: String(claims.sub), permissions: permissionsFromAccess(claims.access as AccessEntry[]), roles: [] };
    }
    return undefined;
  }

  verifyAcrJwt(registry: RegistryState, token: string): Claims | undefined {
    try {
      const { claims } = verifyJwt(token, [this.acrSigning.keys.publicKey], Math.floor(registryNow(registry) / 1000));
      if (claims.iss !== acrIssuer || claims.aud !== registry.loginServer) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  // ---- Tokens ----

  signAcrToken(claims: Claims): string {
    return issued(signJwt(claims, this.acrSigning.keys.privateKey, { x5c: [this.acrSigning.derBase64] }));
  }

  mintAcrToken(registry: RegistryState, principal: Principal, grant: 'refresh_token' | 'access_token', extra: Claims = {}): string {
    const now = Math.floor(registryNow(registry) / 1000);
    const lifetime = grant === 'refresh_token' ? this.lifetimes.acrRefreshSeconds : this.lifetimes.acrAccessSeconds;
    return this.signAcrToken({
      jti: randomUUID(),
      sub: principal.subject,
      nbf: now - 5,
      exp: now + lifetime,
      iat: now,
      iss: acrIssuer,
      aud: registry.loginServer,
      version: '1.0',
      rid: randomBytes(16).toString('hex'),
      grant_type: grant,
      tenant: registry.tenantId,
      permissions: { actions: permissionSummary(principal.permissions), notActions: [] },
      roles: principal.roles,
      // docs/protocol.md section 7: an ABAC registry's refresh token carries the identity it was exchanged for.
      ...(grant === 'refresh_token' && registry.fixture.abac ? { aad_identity: principal.subject } : {}),
      ...extra,
    });
  }

  entraIssuer(tenantId: string): string {
    return `${this.entraBase}/${tenantId}/v2.0`;
  }

  signEntraToken(claims: Claims): string {
    return issued(signJwt(claims, this.entraKeys.privateKey, { kid: this.entraKeyId }));
  }

  mintEntraToken(identity: IdentityFixture, tenantId: string, audience: string, clientId: string): { token: string; jti: string; expiresIn: number } {
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const isUser = identity.kind === 'user';
    const claims: Claims = {
      aud: audience,
      iss: this.entraIssuer(tenantId),
      iat: now,
      nbf: now - 5,
      exp: now + this.lifetimes.entraSeconds,
      jti,
      uti: jti,
      ver: '2.0',
      tid: tenantId,
      oid: identity.objectId,
      sub: identity.objectId,
      azp: clientId,
      appid: clientId,
      idtyp: isUser ? 'user' : 'app',
      ...(isUser ? { name: identity.displayName, preferred_username: identity.username, upn: identity.username, scp: 'user_impersonation' } : {}),
      // docs/protocol.md section 10: a personal account's tokens name its identity provider.
      ...(identity.personalAccount ? { idp: 'live.com' } : {}),
    };
    return { token: this.signEntraToken(claims), jti, expiresIn: this.lifetimes.entraSeconds };
  }

  /** An Entra token this emulator issued, checked for signature and expiry; undefined otherwise. */
  verifyEntraToken(token: string): Claims | undefined {
    try {
      const { claims } = verifyJwt(token, [this.entraKeys.publicKey]);
      if (typeof claims.iss !== 'string' || !claims.iss.startsWith(this.entraBase + '/')) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  /** The jti of anything that looks like one of this emulator's Entra tokens, valid or not. */
  entraJti(token: string): string | undefined {
    const decoded = decodeJwt(token);
    const iss = decoded?.claims.iss;
    if (typeof iss !== 'string' || !iss.startsWith(this.entraBase + '/')) return undefined;
    return typeof decoded?.claims.jti === 'string' ? decoded.claims.jti : undefined;
  }

  /** A service-account token from the emulator's own workload issuer, as a cluster would project it. */
  mintWorkloadToken(subject: string, lifetimeSeconds = 24 * 3600): string {
    const now = Math.floor(Date.now() / 1000);
    return issued(signJwt({ iss: this.workloadIssuer(), sub: subject, aud: [workloadAudience], iat: now, nbf: now, exp: now + lifetimeSeconds, jti: randomUUID() }, this.workloadKeys.privateKey));
  }

  workloadIssuer(): string {
    return `${this.entraBase}/workload-issuer`;
  }

  /** ARM-audience tokens match the cloud's audience with or without a trailing slash. */
  isArmAudience(audience: unknown): boolean {
    return typeof audience === 'string' && trimSlash(audience) === trimSlash(this.armAudience);
  }

  isAcrAudience(audience: unknown): boolean {
    return typeof audience === 'string' && trimSlash(audience) === acrAudience;
  }
}

/** The time on a registry's login server, in milliseconds since the epoch (see `RegistryState.clockSkewSeconds`). */
export function registryNow(registry: RegistryState): number {
  return Date.now() + registry.clockSkewSeconds * 1000;
}

export function trimSlash(text: string): string {
  return text.replace(/\/+$/, '');
}

export function newSecret(): string {
  return issued(randomBytes(24).toString('base64url'));
}

/** Every secret the emulator hands out goes through here, so the secret scan can look for it. */
export function issued(secret: string): string {
  recordIssuedSecret(secret);
  return secret;
}
