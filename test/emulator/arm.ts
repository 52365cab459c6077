import { createHash, randomUUID } from 'node:crypto';
import { Exchange, isObject, readJson, Reply, Route } from './http';
import { IdentityFixture, isScopeMapAction, registryRoles, repositoryRoles, RoleAssignmentFixture, scopeMapActionRepository, scopeMapLimits, scopeMapNamePattern, skuLimits, SubscriptionFixture, tokenNamePattern } from './fixture';
import { repositoryCondition, roleDefinitions } from './permissions';
import { newSecret, RegistryState, TokenPassword, World } from './world';

const provider = 'Microsoft.ContainerRegistry';

/** Real ids of the built-in roles; the ABAC repository roles get stable ids derived from their names. */
const roleDefinitionIds: Record<string, string> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  AcrPush: '8311e382-0749-4cb8-b61a-304f252e45ec',
  AcrDelete: 'c2f4ef07-c644-48eb-af81-4b1b4947fb11',
};

function roleDefinitionId(role: string): string {
  return roleDefinitionIds[role] ?? guidFrom(`role:${role}`);
}

function guidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface Operation {
  done: boolean;
  /** For POST operations polled through Location: the final body. */
  result?: unknown;
}

/** Azure Resource Manager for Microsoft.ContainerRegistry, in the shapes @azure/arm-containerregistry parses. */
export class Arm {
  private readonly operations = new Map<string, Operation>();
  /** Filled in once the server listens. */
  base = '';

  constructor(private readonly world: World) {}

  route(): Route {
    return async (exchange) => {
      const caller = this.authenticate(exchange);
      if ('status' in caller) return caller;
      exchange.entry.caller = caller.identity.name;
      const path = exchange.url.pathname.replace(/\/+$/, '');
      const method = exchange.req.method ?? 'GET';
      let match: RegExpExecArray | null;

      if (/^\/tenants$/i.test(path) && method === 'GET') return this.tenants(caller.identity);
      if (/^\/subscriptions$/i.test(path) && method === 'GET') return this.subscriptions(caller.identity, caller.tenantId);
      if ((match = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/locations\/[^/]+\/operationResults\/([^/]+)$/i.exec(path))) {
        return this.operationResult(match[2]);
      }
      if ((match = /^\/subscriptions\/([^/]+)$/i.exec(path)) && method === 'GET') {
        const subscription = this.visibleSubscriptions(caller.identity, caller.tenantId).find((candidate) => candidate.id === match?.[1]);
        return subscription ? { status: 200, json: this.subscriptionJson(subscription) } : armError(404, 'SubscriptionNotFound', `The subscription '${match[1]}' could not be found.`);
      }
      if ((match = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/resources$/i.exec(path)) && method === 'GET') {
        return this.resources(caller.identity, caller.tenantId, match[1], match[2], exchange.url.searchParams.get('$filter') ?? '');
      }
      if ((match = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(path)) && method === 'GET') {
        return this.roleDefinition(path, match[1]);
      }
      if ((match = /^(\/subscriptions\/([^/]+)(?:\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+)?)\/providers\/Microsoft\.Authorization\/roleAssignments$/i.exec(path))) {
        return this.roleAssignments(caller.identity, match[1], exchange.url.searchParams.get('$filter') ?? '');
      }
      if ((match = /^(\/subscriptions\/([^/]+)(?:\/resourceGroups\/[^/]+(?:\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+))?)?)\/providers\/Microsoft\.Authorization\/permissions$/i.exec(path)) && method === 'GET') {
        return this.permissions(caller.identity, match[1], match[2], match[3]);
      }
      if ((match = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerRegistry\/registries$/i.exec(path)) && method === 'GET') {
        const [, subscriptionId, resourceGroup] = match;
        const registries = this.world.registries.filter(
          (registry) =>
            registry.subscription.id === subscriptionId &&
            (!resourceGroup || registry.fixture.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()) &&
            this.world.armAccess(registry, caller.identity) !== 'none',
        );
        return { status: 200, json: { value: registries.map((registry) => this.registryJson(registry, exchange.url.searchParams.get('api-version'))) } };
      }
      match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)(?:\/(.*))?$/i.exec(path);
      if (!match) return armError(404, 'NotFound', `No route for ${method} ${path}`);
      const [, subscriptionId, resourceGroup, registryName, rest = ''] = match;
      const registry = this.world.registry(registryName);
      if (!registry || registry.subscription.id !== subscriptionId || registry.fixture.resourceGroup.toLowerCase() !== resourceGroup.toLowerCase()) {
        return armError(404, 'ResourceNotFound', `The Resource '${provider}/registries/${registryName}' under resource group '${resourceGroup}' was not found.`);
      }
      const access = this.world.armAccess(registry, caller.identity);
      const needsWrite = method !== 'GET' || /^(listCredentials|regenerateCredential|generateCredentials)$/i.test(rest);
      if (access === 'none' || (needsWrite && access !== 'write')) {
        const action = needsWrite ? `${provider}/registries/${rest || 'write'}` : `${provider}/registries/read`;
        return armError(403, 'AuthorizationFailed', `The client '${caller.identity.objectId}' with object id '${caller.identity.objectId}' does not have authorization to perform action '${action}' over scope '${this.registryId(registry)}' or the scope is invalid.`);
      }
      return this.registryRoute(exchange, registry, rest, method);
    };
  }

  private authenticate(exchange: Exchange): { identity: IdentityFixture; tenantId: string } | Reply {
    const token = /^Bearer\s+(\S+)$/i.exec(exchange.req.headers.authorization ?? '')?.[1];
    const challenge = { 'www-authenticate': `Bearer authorization_uri="${this.world.entraBase}/common", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."` };
    if (!token) return { ...armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."), headers: challenge };
    const claims = this.world.verifyEntraToken(token);
    if (!claims) return { ...armError(401, 'InvalidAuthenticationToken', 'The access token is invalid or has expired.'), headers: challenge };
    if (!this.world.isArmAudience(claims.aud)) {
      return { ...armError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${String(claims.aud)}'. It should exactly match with one of the allowed audiences '${this.world.armAudience}'.`), headers: challenge };
    }
    const identity = this.world.identityByObjectId(String(claims.oid));
    if (!identity) return armError(401, 'InvalidAuthenticationToken', 'Unknown principal.');
    return { identity, tenantId: String(claims.tid) };
  }

  private tenants(identity: IdentityFixture): Reply {
    const tenants = this.world.tenants.filter((tenant) => identity.tenants.includes(tenant.id));
    return {
      status: 200,
      json: {
        value: tenants.map((tenant) => ({
          id: `/tenants/${tenant.id}`,
          tenantId: tenant.id,
          countryCode: 'US',
          displayName: tenant.displayName,
          domains: [tenant.defaultDomain],
          defaultDomain: tenant.defaultDomain,
          tenantCategory: tenant.id === identity.tenants[0] ? 'Home' : 'ProjectedBy',
          tenantType: 'AAD',
        })),
      },
    };
  }

  /** Subscriptions of the token's tenant where the identity has some role, on it or on one of its registries. */
  private visibleSubscriptions(identity: IdentityFixture, tenantId: string): SubscriptionFixture[] {
    const has = (roles: RoleAssignmentFixture[] | undefined): boolean => (roles ?? []).some((assignment) => assignment.identity === identity.name);
    return this.world.subscriptions.filter(
      (subscription) =>
        subscription.tenant === tenantId &&
        (has(subscription.roles) || this.world.registries.some((registry) => registry.subscription === subscription && has(registry.fixture.roles))),
    );
  }

  private subscriptions(identity: IdentityFixture, tenantId: string): Reply {
    return { status: 200, json: { value: this.visibleSubscriptions(identity, tenantId).map((subscription) => this.subscriptionJson(subscription)) } };
  }

  private subscriptionJson(subscription: SubscriptionFixture): Record<string, unknown> {
    return {
      id: `/subscriptions/${subscription.id}`,
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      subscriptionId: subscription.id,
      tenantId: subscription.tenant,
      displayName: subscription.displayName,
      state: 'Enabled',
      subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
    };
  }

  /**
   * The generic resource list (`Microsoft.Resources`), which the Azure CLI filters by resource type to find a
   * registry by name. Only registries exist here; each is listed when the caller may read it.
   */
  private resources(identity: IdentityFixture, tenantId: string, subscriptionId: string, resourceGroup: string | undefined, filter: string): Reply {
    const subscription = this.world.subscriptions.find((candidate) => candidate.id === subscriptionId && candidate.tenant === tenantId);
    if (!subscription) return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    if (!this.visibleSubscriptions(identity, tenantId).includes(subscription)) {
      return armError(403, 'AuthorizationFailed', `The client '${identity.objectId}' with object id '${identity.objectId}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resources/read' over scope '/subscriptions/${subscriptionId}' or the scope is invalid.`);
    }
    const conditions = parseResourceFilter(filter);
    if (!conditions) {
      return armError(400, 'InvalidFilterInQueryString', `The $filter '${filter}' is not supported here; use clauses like resourceType eq '${provider}/registries' joined with 'and'.`);
    }
    const registries = this.world.registries.filter((registry) => {
      const fields: Record<string, string> = { resourcetype: `${provider}/registries`, name: registry.name, resourcegroup: registry.fixture.resourceGroup };
      return (
        registry.subscription === subscription &&
        (!resourceGroup || registry.fixture.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()) &&
        conditions.every(({ field, value }) => fields[field].toLowerCase() === value.toLowerCase()) &&
        this.world.armAccess(registry, identity) !== 'none'
      );
    });
    return {
      status: 200,
      json: {
        value: registries.map((registry) => ({
          id: this.registryId(registry),
          name: registry.name,
          type: `${provider}/registries`,
          sku: { name: registry.fixture.sku, tier: registry.fixture.sku },
          location: registry.fixture.location,
          tags: {},
        })),
      },
    };
  }

  private roleAssignments(identity: IdentityFixture, scope: string, filter: string): Reply {
    const registry = this.world.registries.find((candidate) => this.registryId(candidate).toLowerCase() === scope.toLowerCase());
    const subscriptionId = scope.split('/')[2];
    const subscription = this.world.subscriptions.find((candidate) => candidate.id === subscriptionId);
    if (!subscription) return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    const wantedPrincipal = /assignedTo\('([^']+)'\)|principalId eq '([^']+)'/i.exec(filter);
    const principalFilter = wantedPrincipal ? (wantedPrincipal[1] ?? wantedPrincipal[2]) : undefined;
    const scopes: Array<{ scope: string; roles: RoleAssignmentFixture[] }> = [{ scope: `/subscriptions/${subscription.id}`, roles: subscription.roles ?? [] }];
    for (const candidate of this.world.registries) {
      if (candidate.subscription === subscription && (!registry || candidate === registry)) scopes.push({ scope: this.registryId(candidate), roles: candidate.fixture.roles ?? [] });
    }
    const canRead = principalFilter === identity.objectId || (registry ? this.world.armAccess(registry, identity) !== 'none' : (subscription.roles ?? []).some((a) => a.identity === identity.name && ['Owner', 'Contributor', 'Reader'].includes(a.role)));
    if (!canRead) return armError(403, 'AuthorizationFailed', `The client '${identity.objectId}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '${scope}'.`);
    const value = scopes.flatMap(({ scope: at, roles }) =>
      roles.flatMap((assignment) => {
        const principal = this.world.identityByName(assignment.identity);
        if (!principal || (principalFilter && principal.objectId !== principalFilter)) return [];
        const name = guidFrom(`${at}|${assignment.identity}|${assignment.role}`);
        return [
          {
            id: `${at}/providers/Microsoft.Authorization/roleAssignments/${name}`,
            name,
            type: 'Microsoft.Authorization/roleAssignments',
            properties: {
              roleDefinitionId: `/subscriptions/${subscription.id}/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionId(assignment.role)}`,
              principalId: principal.objectId,
              principalType: principal.kind === 'user' ? 'User' : 'ServicePrincipal',
              scope: at,
              ...(assignment.repositories ? { condition: repositoryCondition(assignment.repositories), conditionVersion: '2.0' } : {}),
            },
          },
        ];
      }),
    );
    return { status: 200, json: { value } };
  }

  /** A built-in role's definition, as the role assignments name it (docs/protocol.md section 8); every caller may read it. */
  private roleDefinition(id: string, name: string): Reply {
    const role = [...registryRoles, ...repositoryRoles].find((candidate) => roleDefinitionId(candidate) === name.toLowerCase());
    if (!role) return armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${name}' does not exist.`);
    const { actions, notActions, dataActions, notDataActions } = roleDefinitions[role];
    return {
      status: 200,
      json: {
        id,
        name,
        type: 'Microsoft.Authorization/roleDefinitions',
        properties: { roleName: role, type: 'BuiltInRole', description: role, assignableScopes: ['/'], permissions: [{ actions, notActions, dataActions, notDataActions }] },
      },
    };
  }

  /**
   * ARM's permissions API: what the caller may do at a scope, one entry per role assignment of the caller there
   * or above it, with the role's action lists (docs/protocol.md section 8).
   */
  private permissions(identity: IdentityFixture, scope: string, subscriptionId: string, registryName: string | undefined): Reply {
    const subscription = this.world.subscriptions.find((candidate) => candidate.id === subscriptionId);
    if (!subscription) return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    const registry = registryName === undefined ? undefined : this.world.registry(registryName);
    if (registryName !== undefined && (!registry || this.registryId(registry).toLowerCase() !== scope.toLowerCase())) {
      return armError(404, 'ResourceNotFound', `The Resource '${provider}/registries/${registryName}' was not found.`);
    }
    const assignments = registry ? this.world.assignmentsOn(registry, identity) : (subscription.roles ?? []).filter((assignment) => assignment.identity === identity.name);
    const value = assignments.map((assignment) => ({
      ...roleDefinitions[assignment.role],
      ...(assignment.repositories ? { condition: repositoryCondition(assignment.repositories), conditionVersion: '2.0' } : {}),
    }));
    return { status: 200, json: { value } };
  }

  registryId(registry: RegistryState): string {
    return `/subscriptions/${registry.subscription.id}/resourceGroups/${registry.fixture.resourceGroup}/providers/${provider}/registries/${registry.name}`;
  }

  /** A registry as ARM answers it; regional endpoints only from the versions that have them (2025-12-01-preview on). */
  private registryJson(registry: RegistryState, apiVersion: string | null): Record<string, unknown> {
    const { location, replications = [], dataEndpointEnabled = false, regionalEndpoints = false } = registry.fixture;
    // docs/protocol.md section 1: a data endpoint and a regional endpoint per region, geo-replicas' included, the
    // registry's own first; the emulator's are names that never resolve.
    const hostNames = (kind: 'data' | 'geo'): string[] => [location, ...replications].map((region) => `${registry.name.toLowerCase()}.${region}.${kind}.azurecr.invalid`);
    const regional = (apiVersion ?? '') >= '2025-12-01' ? { regionalEndpoints: regionalEndpoints ? 'Enabled' : 'Disabled', regionalEndpointHostNames: regionalEndpoints ? hostNames('geo') : [] } : {};
    return {
      id: this.registryId(registry),
      name: registry.name,
      type: `${provider}/registries`,
      location: registry.fixture.location,
      tags: {},
      sku: { name: registry.fixture.sku, tier: registry.fixture.sku },
      properties: {
        loginServer: registry.loginServer,
        creationDate: registry.creationDate,
        provisioningState: 'Succeeded',
        adminUserEnabled: registry.adminUserEnabled,
        policies: {
          quarantinePolicy: { status: 'disabled' },
          trustPolicy: { type: 'Notary', status: 'disabled' },
          retentionPolicy: { days: 7, status: 'disabled' },
          exportPolicy: { status: 'enabled' },
          azureADAuthenticationAsArmPolicy: { status: registry.armAudienceTokens ? 'enabled' : 'disabled' },
        },
        encryption: { status: 'disabled' },
        dataEndpointEnabled,
        dataEndpointHostNames: dataEndpointEnabled ? hostNames('data') : [],
        ...regional,
        privateEndpointConnections: [],
        publicNetworkAccess: 'Enabled',
        networkRuleBypassOptions: 'AzureServices',
        zoneRedundancy: 'Disabled',
        anonymousPullEnabled: false,
        roleAssignmentMode: registry.fixture.abac ? 'AbacRepositoryPermissions' : 'LegacyRegistryPermissions',
      },
    };
  }

  private async registryRoute(exchange: Exchange, registry: RegistryState, rest: string, method: string): Promise<Reply> {
    let match: RegExpExecArray | null;
    if (rest === '' && method === 'GET') return { status: 200, json: this.registryJson(registry, exchange.url.searchParams.get('api-version')) };
    if (rest === '' && method === 'PATCH') {
      const body = await readJson(exchange);
      const properties = isObject(body) && isObject(body.properties) ? body.properties : {};
      if (typeof properties.adminUserEnabled === 'boolean') registry.adminUserEnabled = properties.adminUserEnabled;
      const policies = isObject(properties.policies) ? properties.policies : {};
      const armPolicy = isObject(policies.azureADAuthenticationAsArmPolicy) ? policies.azureADAuthenticationAsArmPolicy : {};
      if (armPolicy.status === 'enabled' || armPolicy.status === 'disabled') registry.armAudienceTokens = armPolicy.status === 'enabled';
      return { status: 200, json: this.registryJson(registry, exchange.url.searchParams.get('api-version')) };
    }
    if (/^listCredentials$/i.test(rest) && method === 'POST') {
      if (!registry.adminUserEnabled) return armError(400, 'AdminUserDisabled', `Admin user is disabled for registry '${registry.name}'.`);
      return { status: 200, json: this.adminCredentials(registry) };
    }
    if (/^regenerateCredential$/i.test(rest) && method === 'POST') {
      if (!registry.adminUserEnabled) return armError(400, 'AdminUserDisabled', `Admin user is disabled for registry '${registry.name}'.`);
      const body = await readJson(exchange);
      const name = isObject(body) ? body.name : undefined;
      if (name !== 'password' && name !== 'password2') return armError(400, 'InvalidParameter', 'name must be "password" or "password2".');
      registry.adminPasswords[name] = newSecret();
      return { status: 200, json: this.adminCredentials(registry) };
    }
    if (/^scopeMaps$/i.test(rest) && method === 'GET') {
      return { status: 200, json: { value: [...registry.scopeMaps.values()].map((map) => this.scopeMapJson(registry, map.name)) } };
    }
    if ((match = /^scopeMaps\/([^/]+)$/i.exec(rest))) return this.scopeMapRoute(exchange, registry, match[1], method);
    if (/^tokens$/i.test(rest) && method === 'GET') {
      return { status: 200, json: { value: [...registry.tokens.keys()].map((name) => this.tokenJson(registry, name)) } };
    }
    if ((match = /^tokens\/([^/]+)$/i.exec(rest))) return this.tokenRoute(exchange, registry, match[1], method);
    if (/^generateCredentials$/i.test(rest) && method === 'POST') return this.generateCredentials(exchange, registry);
    return armError(404, 'NotFound', `No route for ${method} ${rest}`);
  }

  private adminCredentials(registry: RegistryState): Record<string, unknown> {
    return {
      username: registry.name,
      passwords: [
        { name: 'password', value: registry.adminPasswords.password },
        { name: 'password2', value: registry.adminPasswords.password2 },
      ],
    };
  }

  private scopeMapJson(registry: RegistryState, name: string): Record<string, unknown> {
    const map = registry.scopeMaps.get(name);
    return {
      id: `${this.registryId(registry)}/scopeMaps/${name}`,
      name,
      type: `${provider}/registries/scopeMaps`,
      properties: { description: map?.description, type: map?.type, creationDate: map?.creationDate, provisioningState: 'Succeeded', actions: map?.actions },
    };
  }

  private async scopeMapRoute(exchange: Exchange, registry: RegistryState, name: string, method: string): Promise<Reply> {
    const existing = registry.scopeMaps.get(name);
    if (method === 'GET') return existing ? { status: 200, json: this.scopeMapJson(registry, name) } : notFound('scopeMaps', name);
    if (method === 'PUT' || method === 'PATCH') {
      if (existing?.type === 'SystemDefined') return armError(400, 'ScopeMapIsSystemDefined', `The scope map '${name}' is system defined and cannot be changed.`);
      const body = await readJson(exchange);
      const properties = isObject(body) && isObject(body.properties) ? body.properties : {};
      if (!existing) {
        if (!scopeMapNamePattern.test(name)) return armError(400, 'InvalidResourceName', `The scope map name '${name}' must be 5 to 50 letters, digits, hyphens and underscores.`);
        const limit = skuLimits[registry.fixture.sku].scopeMaps;
        const userDefined = [...registry.scopeMaps.values()].filter((map) => map.type === 'UserDefined').length;
        if (userDefined >= limit) return quotaExceeded(registry, `${limit} scope maps`);
      }
      const actions = Array.isArray(properties.actions) ? properties.actions : existing?.actions;
      if (!actions || actions.length === 0 || !actions.every((action) => typeof action === 'string' && isScopeMapAction(action))) {
        return armError(400, 'InvalidScopeMapActions', 'actions must be a non-empty list like repositories/<repo>/content/read, where a wildcard is only one trailing /* or * alone.');
      }
      const repositories = new Set((actions as string[]).map(scopeMapActionRepository));
      if (actions.length > scopeMapLimits.actions || repositories.size > scopeMapLimits.repositories) {
        return armError(400, 'InvalidScopeMapActions', `A scope map holds at most ${scopeMapLimits.actions} actions on ${scopeMapLimits.repositories} repositories; this one has ${actions.length} actions on ${repositories.size}.`);
      }
      registry.scopeMaps.set(name, {
        name,
        description: typeof properties.description === 'string' ? properties.description : (existing?.description ?? ''),
        type: 'UserDefined',
        actions: actions as string[],
        creationDate: existing?.creationDate ?? new Date().toISOString(),
      });
      return this.startPutOperation(registry, this.scopeMapJson(registry, name), existing ? 200 : 201);
    }
    if (method === 'DELETE') {
      if (!existing) return { status: 204 };
      if ([...registry.tokens.values()].some((token) => token.scopeMap === name)) return armError(400, 'ScopeMapInUse', `The scope map '${name}' is used by a token.`);
      registry.scopeMaps.delete(name);
      return { status: 200 };
    }
    return armError(405, 'MethodNotAllowed', method);
  }

  private tokenJson(registry: RegistryState, name: string): Record<string, unknown> {
    const token = registry.tokens.get(name);
    return {
      id: `${this.registryId(registry)}/tokens/${name}`,
      name,
      type: `${provider}/registries/tokens`,
      properties: {
        creationDate: token?.creationDate,
        provisioningState: 'Succeeded',
        scopeMapId: `${this.registryId(registry)}/scopeMaps/${token?.scopeMap ?? ''}`,
        credentials: { certificates: [], passwords: (token?.passwords ?? []).map(({ name: passwordName, creationTime, expiry }) => ({ name: passwordName, creationTime, expiry })) },
        status: token?.status,
      },
    };
  }

  private async tokenRoute(exchange: Exchange, registry: RegistryState, name: string, method: string): Promise<Reply> {
    const existing = registry.tokens.get(name);
    if (method === 'GET') return existing ? { status: 200, json: this.tokenJson(registry, name) } : notFound('tokens', name);
    if (method === 'PUT' || method === 'PATCH') {
      const body = await readJson(exchange);
      const properties = isObject(body) && isObject(body.properties) ? body.properties : {};
      if (!existing) {
        if (!tokenNamePattern.test(name)) return armError(400, 'InvalidResourceName', `The token name '${name}' must be 5 to 50 letters, digits and hyphens.`);
        const limit = skuLimits[registry.fixture.sku].tokens;
        if (registry.tokens.size >= limit) return quotaExceeded(registry, `${limit} tokens`);
      }
      const scopeMapName = typeof properties.scopeMapId === 'string' ? properties.scopeMapId.split('/').pop() : existing?.scopeMap;
      if (!scopeMapName || !registry.scopeMaps.has(scopeMapName)) return armError(400, 'InvalidScopeMapId', 'scopeMapId must name a scope map of this registry.');
      registry.tokens.set(name, {
        name,
        scopeMap: scopeMapName,
        status: properties.status === 'disabled' ? 'disabled' : properties.status === 'enabled' ? 'enabled' : (existing?.status ?? 'enabled'),
        creationDate: existing?.creationDate ?? new Date().toISOString(),
        passwords: existing?.passwords ?? [],
      });
      return this.startPutOperation(registry, { ...this.tokenJson(registry, name), properties: { ...(this.tokenJson(registry, name).properties as object), provisioningState: 'Creating' } }, existing ? 200 : 201);
    }
    if (method === 'DELETE') {
      if (!existing) return { status: 204 };
      registry.tokens.delete(name);
      return this.startLocationOperation(registry, 202, undefined);
    }
    return armError(405, 'MethodNotAllowed', method);
  }

  private async generateCredentials(exchange: Exchange, registry: RegistryState): Promise<Reply> {
    const body = await readJson(exchange);
    const request = isObject(body) ? body : {};
    const tokenName = typeof request.tokenId === 'string' ? request.tokenId.split('/').pop() : undefined;
    const token = tokenName ? registry.tokens.get(tokenName) : undefined;
    if (!token) return armError(400, 'InvalidTokenId', 'tokenId must name a token of this registry.');
    const expiry = typeof request.expiry === 'string' && !Number.isNaN(Date.parse(request.expiry)) ? new Date(request.expiry).toISOString() : undefined;
    const names: Array<'password1' | 'password2'> = request.name === 'password1' || request.name === 'password2' ? [request.name] : ['password1', 'password2'];
    const creationTime = new Date().toISOString();
    const generated: TokenPassword[] = names.map((name) => ({ name, value: newSecret(), creationTime, expiry }));
    token.passwords = [...token.passwords.filter((password) => !names.includes(password.name)), ...generated];
    return this.startLocationOperation(registry, 202, { username: token.name, passwords: generated });
  }

  /** A PUT that completes through an Azure-AsyncOperation status resource, as ARM's long-running operations do. */
  private startPutOperation(registry: RegistryState, body: unknown, status: number): Reply {
    const id = randomUUID();
    this.operations.set(id, { done: true });
    return { status, headers: { 'azure-asyncoperation': this.operationUrl(registry, id) }, json: body };
  }

  /** A POST or DELETE that completes through its Location header; the final poll carries the result. */
  private startLocationOperation(registry: RegistryState, status: number, result: unknown): Reply {
    const id = randomUUID();
    this.operations.set(id, { done: true, result });
    return { status, headers: { location: this.operationUrl(registry, id) } };
  }

  private operationUrl(registry: RegistryState, id: string): string {
    return `${this.base}/subscriptions/${registry.subscription.id}/providers/${provider}/locations/${registry.fixture.location}/operationResults/${id}?api-version=2025-11-01`;
  }

  private operationResult(id: string): Reply {
    const operation = this.operations.get(id);
    if (!operation) return armError(404, 'NotFound', `Operation ${id} not found.`);
    if (operation.result !== undefined) return { status: 200, json: operation.result };
    return { status: 200, json: { id, name: id, status: operation.done ? 'Succeeded' : 'InProgress', startTime: new Date().toISOString() } };
  }
}

/** `resourceType eq '...' and name eq '...'`: the clauses the resource list understands; undefined for anything else. */
function parseResourceFilter(filter: string): Array<{ field: string; value: string }> | undefined {
  if (filter.trim() === '') return [];
  const conditions: Array<{ field: string; value: string }> = [];
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(resourceType|name|resourceGroup)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!match) return undefined;
    conditions.push({ field: match[1].toLowerCase(), value: match[2] });
  }
  return conditions;
}

function quotaExceeded(registry: RegistryState, what: string): Reply {
  return armError(400, 'QuotaExceeded', `The registry '${registry.name}' already has ${what}, the most its ${registry.fixture.sku} SKU allows.`);
}

function notFound(kind: string, name: string): Reply {
  return armError(404, 'ResourceNotFound', `The Resource '${provider}/registries/${kind}/${name}' was not found.`);
}

export function armError(status: number, code: string, message: string): Reply {
  return { status, json: { error: { code, message } } };
}
