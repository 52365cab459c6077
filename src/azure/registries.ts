import type { TokenCredential } from '@azure/core-auth';
import * as l10n from '@vscode/l10n';
import type { ActionableFailure } from '../actionableFailure';
import { AzureCloud, scopeFor } from './clouds';

export interface Subscription {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  /** The tenant's display name, when ARM gave one. */
  readonly tenantName?: string;
}

export interface RegistrySummary {
  readonly name: string;
  /** As ARM reports it: the host (and port, for a custom cloud) Docker and the token flow use. */
  readonly loginServer: string;
  readonly subscription: Subscription;
  readonly resourceGroup: string;
  /** False when the registry refuses Entra tokens for the ARM audience (azureADAuthenticationAsArmPolicy off). */
  readonly acceptsArmAudienceTokens: boolean;
  readonly adminUserEnabled: boolean;
  readonly sku: string;
  readonly location: string;
  /** "Repository permissions" mode: repository roles grant data access, AcrPull and AcrPush are ignored. */
  readonly abac: boolean;
  /** The dedicated data endpoints layers download from, when ARM lists some (docs/protocol.md section 1). */
  readonly dataEndpointHostNames?: readonly string[];
}

/** A credential for a tenant: registries in other tenants than the account's home need tokens of their own. */
export type CredentialForTenant = (tenantId: string | undefined) => TokenCredential;

export interface ArmLimits {
  /** How long a whole listing may take: the Azure SDK sets no bound of its own on a server that never answers. */
  readonly timeoutMs?: number;
}

export const defaultArmTimeoutMs = 60_000;

/** Azure Resource Manager gave no complete answer in time. */
export class ArmTimeoutError extends Error implements ActionableFailure {
  override readonly name = 'ArmTimeoutError';
  readonly needsUser = false;
  readonly nextStep = 'retry';
  readonly failureKind = 'arm.timeout';
  constructor(seconds: number) {
    super(l10n.t('Azure Resource Manager did not answer within {0} s. Check your connection or proxy, then try again.', Math.round(seconds)));
  }
}

/**
 * Runs an ARM operation with the caller's signal and a time-out; the caller's abort rejects with its reason.
 * The SDK is loaded before the clock starts: the time-out bounds ARM's answer, and loading the SDK the first
 * time can take seconds on a slow disk, which used to end a quick refusal (a 401) as a time-out instead.
 */
async function withinArmTimeout<Sdk, T>(abortSignal: AbortSignal | undefined, limits: ArmLimits, load: () => Promise<Sdk>, operation: (sdk: Sdk, signal: AbortSignal) => Promise<T>): Promise<T> {
  const sdk = await load();
  if (abortSignal?.aborted) throw abortSignal.reason;
  const timeoutMs = limits.timeoutMs ?? defaultArmTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await operation(sdk, abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout);
  } catch (error) {
    if (abortSignal?.aborted) throw abortSignal.reason;
    if (timeout.aborted) throw new ArmTimeoutError(timeoutMs / 1000);
    throw error;
  }
}

// The two SDKs name the token scope differently; both must ask for the cloud's ARM audience, not the endpoint.
function subscriptionClientOptions(cloud: AzureCloud) {
  return { endpoint: cloud.armEndpoint, credentialScopes: [scopeFor(cloud.armAudience)] };
}

/** A tenant whose subscriptions could not be listed (it wants MFA, refuses, throttles), and why. */
export interface TenantFailure {
  readonly tenantId: string;
  readonly tenantName?: string;
  readonly error: unknown;
}

export interface SubscriptionListing {
  readonly subscriptions: Subscription[];
  /** Tenants that failed on their own: the others' subscriptions are listed all the same. */
  readonly failedTenants: TenantFailure[];
}

/** Every subscription the account can see, tenant by tenant: one tenant's failure does not hide the others. */
export function listTenantSubscriptions(credentialFor: CredentialForTenant, cloud: AzureCloud, abortSignal?: AbortSignal, limits: ArmLimits = {}): Promise<SubscriptionListing> {
  return withinArmTimeout(abortSignal, limits, loadSubscriptionsSdk, (sdk, signal) => subscriptionsOf(sdk, credentialFor, cloud, signal));
}

/** Every subscription the account can see in the tenants that answered; fails only when none did. */
export async function listSubscriptions(credentialFor: CredentialForTenant, cloud: AzureCloud, abortSignal?: AbortSignal, limits: ArmLimits = {}): Promise<Subscription[]> {
  const { subscriptions, failedTenants } = await listTenantSubscriptions(credentialFor, cloud, abortSignal, limits);
  if (subscriptions.length === 0 && failedTenants.length > 0) throw failedTenants[0].error;
  return subscriptions;
}

const loadSubscriptionsSdk = () => import('@azure/arm-resources-subscriptions');
const loadRegistrySdk = () => import('@azure/arm-containerregistry');

async function subscriptionsOf({ SubscriptionClient }: Awaited<ReturnType<typeof loadSubscriptionsSdk>>, credentialFor: CredentialForTenant, cloud: AzureCloud, abortSignal: AbortSignal): Promise<SubscriptionListing> {
  const tenantNames = new Map<string, string | undefined>();
  for await (const tenant of new SubscriptionClient(credentialFor(undefined), subscriptionClientOptions(cloud)).tenants.list({ abortSignal })) {
    if (tenant.tenantId) tenantNames.set(tenant.tenantId, tenant.displayName);
  }
  const listings = await Promise.all(
    [...tenantNames].map(async ([tenantId, tenantName]) => {
      const subscriptions: Subscription[] = [];
      try {
        const client = new SubscriptionClient(credentialFor(tenantId), subscriptionClientOptions(cloud));
        for await (const subscription of client.subscriptions.list({ abortSignal })) {
          if (subscription.subscriptionId) {
            subscriptions.push({ id: subscription.subscriptionId, name: subscription.displayName ?? subscription.subscriptionId, tenantId: subscription.tenantId ?? tenantId, tenantName });
          }
        }
        return { subscriptions };
      } catch (error) {
        if (abortSignal.aborted) throw error;
        return { subscriptions: [], failure: { tenantId, tenantName, error } };
      }
    }),
  );
  const byId = new Map(listings.flatMap(({ subscriptions }) => subscriptions.map((subscription) => [subscription.id, subscription] as const)));
  return { subscriptions: [...byId.values()], failedTenants: listings.flatMap(({ failure }) => (failure ? [failure] : [])) };
}

export function listRegistries(credentialFor: CredentialForTenant, cloud: AzureCloud, subscription: Subscription, abortSignal?: AbortSignal, limits: ArmLimits = {}): Promise<RegistrySummary[]> {
  return withinArmTimeout(abortSignal, limits, loadRegistrySdk, (sdk, signal) => registriesOf(sdk, credentialFor, cloud, subscription, signal));
}

type RegistrySdk = Awaited<ReturnType<typeof loadRegistrySdk>>;

async function registriesOf({ ContainerRegistryManagementClient }: RegistrySdk, credentialFor: CredentialForTenant, cloud: AzureCloud, subscription: Subscription, abortSignal: AbortSignal): Promise<RegistrySummary[]> {
  const client = new ContainerRegistryManagementClient(credentialFor(subscription.tenantId), subscription.id, {
    endpoint: cloud.armEndpoint,
    credentials: { scopes: [scopeFor(cloud.armAudience)] },
  });
  const registries: RegistrySummary[] = [];
  for await (const registry of client.registries.list({ abortSignal })) {
    if (!registry.name || !registry.loginServer) continue;
    registries.push({
      name: registry.name,
      loginServer: registry.loginServer.toLowerCase(),
      subscription,
      resourceGroup: /\/resourceGroups\/([^/]+)\//i.exec(registry.id ?? '')?.[1] ?? '',
      acceptsArmAudienceTokens: registry.policies?.azureADAuthenticationAsArmPolicy?.status !== 'disabled',
      adminUserEnabled: registry.adminUserEnabled ?? false,
      sku: registry.sku?.name ?? '',
      location: registry.location ?? '',
      abac: registry.roleAssignmentMode === 'AbacRepositoryPermissions',
      ...(registry.dataEndpointHostNames?.length ? { dataEndpointHostNames: registry.dataEndpointHostNames } : {}),
    });
  }
  return registries.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * When a repository-scoped token's password expires, as ARM reports it; undefined when none of its passwords
 * expires. ARM does not say which password a value belongs to, so with two the earlier expiry is taken.
 */
export function tokenPasswordExpiry(credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary, tokenName: string, abortSignal?: AbortSignal, limits: ArmLimits = {}): Promise<number | undefined> {
  return withinArmTimeout(abortSignal, limits, loadRegistrySdk, (sdk, signal) => passwordExpiryOf(sdk, credentialFor, cloud, registry, tokenName, signal));
}

async function passwordExpiryOf({ ContainerRegistryManagementClient }: RegistrySdk, credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary, tokenName: string, abortSignal: AbortSignal): Promise<number | undefined> {
  const client = new ContainerRegistryManagementClient(credentialFor(registry.subscription.tenantId), registry.subscription.id, {
    endpoint: cloud.armEndpoint,
    credentials: { scopes: [scopeFor(cloud.armAudience)] },
  });
  const token = await client.tokens.get(registry.resourceGroup, registry.name, tokenName, { abortSignal });
  const expiries = (token.credentials?.passwords ?? []).flatMap((password) => (password.expiry ? [password.expiry.getTime()] : []));
  return expiries.length > 0 ? Math.min(...expiries) : undefined;
}
