import type { TokenCredential } from '@azure/core-auth';
import { armGet } from './armGet';
import { AzureCloud } from './clouds';
import { registryId } from './permissions';
import type { RegistrySummary } from './registries';

/** An ARM version whose registry carries its regional endpoints; older ones leave them out (docs/protocol.md section 1). */
const apiVersion = 'api-version=2026-01-01-preview';
/** How long the request may take: a diagnosis reports rather than waits. */
const timeoutMs = 15_000;

interface RegistryAnswer {
  readonly properties?: { readonly regionalEndpointHostNames?: readonly string[] };
}

/**
 * The registry's regional endpoints, one login server per geo-replica, as ARM lists them; none when the registry
 * has them off (docs/protocol.md section 1). Throws with ARM's message when ARM refuses.
 */
export async function listRegionalEndpoints(credential: TokenCredential, cloud: AzureCloud, registry: RegistrySummary, abortSignal?: AbortSignal): Promise<readonly string[]> {
  const body = await armGet<RegistryAnswer>(credential, cloud, `${registryId(registry)}?${apiVersion}`, timeoutMs, abortSignal);
  return body.properties?.regionalEndpointHostNames ?? [];
}
