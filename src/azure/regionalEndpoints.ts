import type { TokenCredential } from '@azure/core-auth';
import { AzureCloud, scopeFor } from './clouds';
import { registryId } from './permissions';
import type { RegistrySummary } from './registries';

/** An ARM version whose registry carries its regional endpoints; older ones leave them out (docs/protocol.md section 1). */
const apiVersion = 'api-version=2026-01-01-preview';
/** How long the request may take: a diagnosis reports rather than waits. */
const timeoutMs = 15_000;

interface RegistryAnswer {
  readonly properties?: { readonly regionalEndpointHostNames?: readonly string[] };
  readonly error?: { readonly message?: string };
}

/**
 * The registry's regional endpoints, one login server per geo-replica, as ARM lists them; none when the registry
 * has them off (docs/protocol.md section 1). Throws with ARM's message when ARM refuses.
 */
export async function listRegionalEndpoints(credential: TokenCredential, cloud: AzureCloud, registry: RegistrySummary, abortSignal?: AbortSignal): Promise<readonly string[]> {
  const [{ ServiceClient }, { createPipelineRequest }] = await Promise.all([import('@azure/core-client'), import('@azure/core-rest-pipeline')]);
  const client = new ServiceClient({ credential, credentialScopes: [scopeFor(cloud.armAudience)] });
  const timeout = AbortSignal.timeout(timeoutMs);
  const url = `${cloud.armEndpoint.replace(/\/+$/, '')}${registryId(registry)}?${apiVersion}`;
  const response = await client.sendRequest(createPipelineRequest({ url, abortSignal: abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout }));
  const body = JSON.parse(response.bodyAsText || '{}') as RegistryAnswer;
  if (response.status !== 200) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body.properties?.regionalEndpointHostNames ?? [];
}
