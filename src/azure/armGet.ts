import type { TokenCredential } from '@azure/core-auth';
import { AzureCloud, scopeFor } from './clouds';

/**
 * One GET of an ARM path (`/subscriptions/...?api-version=...`) with the account's ARM token, bounded by
 * `timeoutMs` and the caller's signal: the answer's JSON, or a throw with ARM's own message.
 */
export async function armGet<Answer>(credential: TokenCredential, cloud: AzureCloud, path: string, timeoutMs: number, abortSignal?: AbortSignal): Promise<Answer> {
  const [{ ServiceClient }, { createPipelineRequest }] = await Promise.all([import('@azure/core-client'), import('@azure/core-rest-pipeline')]);
  const client = new ServiceClient({ credential, credentialScopes: [scopeFor(cloud.armAudience)] });
  const timeout = AbortSignal.timeout(timeoutMs);
  const url = `${cloud.armEndpoint.replace(/\/+$/, '')}${path}`;
  const response = await client.sendRequest(createPipelineRequest({ url, abortSignal: abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout }));
  const body = JSON.parse(response.bodyAsText || '{}') as Answer & { error?: { message?: string } };
  if (response.status !== 200) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}
