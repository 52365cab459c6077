import type { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { AzureCloud, scopeFor } from './clouds';
import { CredentialForTenant, RegistrySummary } from './registries';
import { builtInScopeMapPrefix } from './tokenRules';

export type TokenPasswordName = 'password1' | 'password2';

export interface ScopeMapInfo {
  readonly name: string;
  readonly description: string;
  /** The built-in `_repositories_*` maps, which cannot be changed. */
  readonly builtIn: boolean;
  readonly actions: readonly string[];
}

export interface TokenPasswordInfo {
  readonly name: TokenPasswordName;
  readonly creationTime?: number;
  /** Epoch milliseconds; undefined when the password never expires. */
  readonly expiry?: number;
}

export interface TokenInfo {
  readonly name: string;
  readonly scopeMap: string;
  readonly enabled: boolean;
  readonly creationDate?: number;
  /** The password slots in use, password1 first; values are never readable after generation. */
  readonly passwords: readonly TokenPasswordInfo[];
}

/** A password as ARM returned it from generateCredentials: the only time its value is seen. */
export interface GeneratedPassword {
  readonly username: string;
  readonly name: TokenPasswordName;
  readonly value: string;
  readonly expiry?: number;
}

/** Polling interval of the long-running operations; the emulator answers at once, ARM within seconds. */
export interface TokenAdminOptions {
  readonly pollIntervalMs?: number;
}

/**
 * A registry's tokens and scope maps through Azure Resource Manager (docs/protocol.md section 9). Every call
 * takes an AbortSignal; creates, updates, deletes and generateCredentials are long-running operations that
 * resolve when ARM says they finished.
 */
export class RegistryTokens {
  private clientPromise: Promise<ContainerRegistryManagementClient> | undefined;

  constructor(
    private readonly credentialFor: CredentialForTenant,
    private readonly cloud: AzureCloud,
    readonly registry: RegistrySummary,
    private readonly options: TokenAdminOptions = {},
  ) {}

  private client(): Promise<ContainerRegistryManagementClient> {
    this.clientPromise ??= import('@azure/arm-containerregistry').then(
      ({ ContainerRegistryManagementClient }) =>
        new ContainerRegistryManagementClient(this.credentialFor(this.registry.subscription.tenantId), this.registry.subscription.id, {
          endpoint: this.cloud.armEndpoint,
          credentials: { scopes: [scopeFor(this.cloud.armAudience)] },
        }),
    );
    return this.clientPromise;
  }

  private get poll(): { updateIntervalInMs?: number } {
    return this.options.pollIntervalMs === undefined ? {} : { updateIntervalInMs: this.options.pollIntervalMs };
  }

  private scopeMapId(name: string): string {
    const { subscription, resourceGroup, name: registryName } = this.registry;
    return `/subscriptions/${subscription.id}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registryName}/scopeMaps/${name}`;
  }

  private tokenId(name: string): string {
    return this.scopeMapId(name).replace(/\/scopeMaps\/[^/]+$/, `/tokens/${name}`);
  }

  async listScopeMaps(abortSignal?: AbortSignal): Promise<ScopeMapInfo[]> {
    const client = await this.client();
    const maps: ScopeMapInfo[] = [];
    for await (const map of client.scopeMaps.list(this.registry.resourceGroup, this.registry.name, { abortSignal })) {
      if (!map.name) continue;
      maps.push({
        name: map.name,
        description: map.description ?? '',
        builtIn: map.typePropertiesType === 'SystemDefined' || map.name.startsWith(builtInScopeMapPrefix),
        actions: map.actions ?? [],
      });
    }
    // User-defined maps first, by name; the built-ins after them.
    return maps.sort((a, b) => Number(a.builtIn) - Number(b.builtIn) || a.name.localeCompare(b.name));
  }

  async listTokens(abortSignal?: AbortSignal): Promise<TokenInfo[]> {
    const client = await this.client();
    const tokens: TokenInfo[] = [];
    for await (const token of client.tokens.list(this.registry.resourceGroup, this.registry.name, { abortSignal })) {
      if (token.name) tokens.push(tokenInfo(token.name, token));
    }
    return tokens.sort((a, b) => a.name.localeCompare(b.name));
  }

  async getToken(name: string, abortSignal?: AbortSignal): Promise<TokenInfo> {
    const client = await this.client();
    return tokenInfo(name, await client.tokens.get(this.registry.resourceGroup, this.registry.name, name, { abortSignal }));
  }

  /** Creates a scope map, or replaces the actions and description of one that exists. */
  async putScopeMap(name: string, actions: readonly string[], description: string, abortSignal?: AbortSignal): Promise<void> {
    const client = await this.client();
    await client.scopeMaps.create(this.registry.resourceGroup, this.registry.name, name, { actions: [...actions], description }, { abortSignal, ...this.poll });
  }

  async updateScopeMap(name: string, actions: readonly string[], abortSignal?: AbortSignal): Promise<void> {
    const client = await this.client();
    await client.scopeMaps.update(this.registry.resourceGroup, this.registry.name, name, { actions: [...actions] }, { abortSignal, ...this.poll });
  }

  async deleteScopeMap(name: string, abortSignal?: AbortSignal): Promise<void> {
    const client = await this.client();
    await client.scopeMaps.delete(this.registry.resourceGroup, this.registry.name, name, { abortSignal, ...this.poll });
  }

  /** Creates an enabled token with no password yet; generatePassword gives it one. */
  async createToken(name: string, scopeMap: string, abortSignal?: AbortSignal): Promise<void> {
    const client = await this.client();
    await client.tokens.create(this.registry.resourceGroup, this.registry.name, name, { scopeMapId: this.scopeMapId(scopeMap), status: 'enabled' }, { abortSignal, ...this.poll });
  }

  async setTokenEnabled(name: string, enabled: boolean, abortSignal?: AbortSignal): Promise<void> {
    const client = await this.client();
    await client.tokens.update(this.registry.resourceGroup, this.registry.name, name, { status: enabled ? 'enabled' : 'disabled' }, { abortSignal, ...this.poll });
  }

  async deleteToken(name: string, abortSignal?: AbortSignal): Promise<void> {
    const client = await this.client();
    await client.tokens.delete(this.registry.resourceGroup, this.registry.name, name, { abortSignal, ...this.poll });
  }

  /**
   * Generates password1 or password2 of a token (the other keeps working) with the long-running
   * generateCredentials operation. `expiry` undefined means the password never expires.
   */
  async generatePassword(tokenName: string, slot: TokenPasswordName, expiry: Date | undefined, abortSignal?: AbortSignal): Promise<GeneratedPassword> {
    const client = await this.client();
    const result = await client.registries.generateCredentials(
      this.registry.resourceGroup,
      this.registry.name,
      { tokenId: this.tokenId(tokenName), name: slot, ...(expiry ? { expiry } : {}) },
      { abortSignal, ...this.poll },
    );
    const password = result.passwords?.find((candidate) => candidate.name === slot) ?? result.passwords?.[0];
    if (!password?.value) throw new Error(`Azure Resource Manager generated no ${slot} for token ${tokenName}.`);
    return { username: result.username ?? tokenName, name: slot, value: password.value, expiry: password.expiry?.getTime() };
  }
}

function tokenInfo(name: string, token: { scopeMapId?: string; status?: string; creationDate?: Date; credentials?: { passwords?: Array<{ name?: string; creationTime?: Date; expiry?: Date }> } }): TokenInfo {
  const passwords = (token.credentials?.passwords ?? [])
    .filter((password): password is { name: TokenPasswordName; creationTime?: Date; expiry?: Date } => password.name === 'password1' || password.name === 'password2')
    .map((password) => ({ name: password.name, creationTime: password.creationTime?.getTime(), expiry: password.expiry?.getTime() }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    name,
    scopeMap: token.scopeMapId?.split('/').pop() ?? '',
    enabled: token.status !== 'disabled',
    creationDate: token.creationDate?.getTime(),
    passwords,
  };
}
