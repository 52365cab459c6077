import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { AcrError } from './errors';

export interface RequestLimits {
  /** Milliseconds each request (including its body) may take. */
  readonly timeoutMs: number;
  /** How often a 429 is retried, and the longest `Retry-After` (seconds) worth waiting for. */
  readonly throttleRetries: number;
  readonly maxRetryAfterSeconds: number;
}

export const defaultRequestLimits: RequestLimits = { timeoutMs: 30_000, throttleRetries: 2, maxRetryAfterSeconds: 30 };

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly correlationId?: string;
}

/**
 * One HTTP exchange with a registry: a time-out on every attempt, 429 retried after `Retry-After` within the
 * limits, transport failures turned into `network`/`timeout` errors. A caller's abort rejects with its reason.
 */
export async function requestRegistry(registry: string, url: string, init: RequestInit, limits: RequestLimits, signal?: AbortSignal): Promise<RegistryResponse> {
  for (let attempt = 0; ; attempt++) {
    const response = await attemptOnce(registry, url, init, limits.timeoutMs, signal);
    if (response.status !== 429) return response;
    const waitSeconds = retryAfterSeconds(response.headers.get('retry-after'));
    if (attempt >= limits.throttleRetries || waitSeconds > limits.maxRetryAfterSeconds) {
      throw new AcrError('throttled', registry, { correlationId: response.correlationId, retryAfterSeconds: waitSeconds, detail: serverMessage(response.body) });
    }
    await sleep(waitSeconds * 1000, undefined, { signal });
  }
}

async function attemptOnce(registry: string, url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<RegistryResponse> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const body = await response.text();
    // Node's fetch gives the connection back to its pool one turn of the event loop after the body ends; a
    // request made before then (the next step of a sign-in or a listing, made at once) opens a new connection,
    // whose TCP and TLS handshakes cost two round trips on a real network.
    await nextTurn();
    return { status: response.status, headers: response.headers, body, correlationId: response.headers.get('x-ms-correlation-request-id') ?? undefined };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) throw new AcrError('timeout', registry, { detail: `no answer within ${Math.round(timeoutMs / 1000)} s`, cause: error });
    throw new AcrError('network', registry, { detail: transportProblem(error), cause: error });
  }
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date); one second when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number {
  if (value === null || value.trim() === '') return 1;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1 : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The message(s) of an ACR (`{errors:[{message}]}`) or ARM-style (`{error:{message}}`) error body, if any. */
export function serverMessage(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { errors, error } = json as { errors?: unknown; error?: unknown };
  const entries = Array.isArray(errors) ? errors : [error];
  const messages = entries.map((entry) => (entry as { message?: unknown } | undefined)?.message).filter((message): message is string => typeof message === 'string');
  return messages.length > 0 ? messages.join('; ') : undefined;
}

/** The error code of a failed fetch (ECONNRESET, CERT_HAS_EXPIRED, ...), never its full text. */
function transportProblem(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return 'the connection failed';
}
