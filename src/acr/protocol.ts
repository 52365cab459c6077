import { ChallengeError, parseBearerChallenge } from './challenge';
import { AcrError, RegistryMode } from './errors';
import { JwtError, jwtExpiresOn } from './jwt';
import { RegistryResponse, RequestLimits, requestRegistry, retryAfterSeconds, serverMessage } from './http';
import { serverAddressProblem } from '../docker/references';
import { assertPasswordUrl, assertTrustedUrl, HostTrust } from './loginServer';

/** A registry to get tokens for. */
export interface RegistryTarget {
  /** `host` or `host:port`, as ARM returned it or the user typed it. */
  readonly loginServer: string;
  /** The registry's Entra tenant, when known; sent with the exchange. */
  readonly tenantId?: string;
}

export interface AcrToken {
  readonly token: string;
  /** Milliseconds since the epoch, from the token's `exp`. */
  readonly expiresOn: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

/** Where the registry wants tokens requested: the challenge's realm (already host-checked) and service. */
export interface TokenEndpoint {
  readonly realm: URL;
  readonly service: string;
}

/**
 * Where an Entra token may be exchanged: checks the login server with the Entra rule (docs/protocol.md section 1),
 * then asks `GET /v2/` for its challenge (section 2) and checks the realm's host too. Nothing is sent to a host
 * that fails the check.
 */
export async function discoverTokenEndpoint(target: RegistryTarget, trust: HostTrust, limits: RequestLimits, signal?: AbortSignal): Promise<TokenEndpoint> {
  assertEntraLoginServer(target, trust);
  return challengeEndpoint(target, (url) => assertTrustedUrl(url, trust, target.loginServer), limits, signal);
}

/** Throws `hostNotTrusted` unless the login server is well formed and may receive an Entra token (docs/protocol.md section 1). */
export function assertEntraLoginServer(target: RegistryTarget, trust: HostTrust): void {
  const problem = serverAddressProblem(target.loginServer);
  if (problem) throw new AcrError('hostNotTrusted', target.loginServer, { detail: problem });
  assertTrustedUrl(`https://${target.loginServer}/v2/`, trust, target.loginServer);
}

/**
 * Where a registry's own password may be sent: the realm of the login server's challenge, which must be the login
 * server itself over HTTPS (`assertPasswordUrl`); the Entra rule does not apply to a password.
 */
export function discoverPasswordEndpoint(target: RegistryTarget, limits: RequestLimits, signal?: AbortSignal): Promise<TokenEndpoint> {
  return challengeEndpoint(target, (url) => assertPasswordUrl(url, target.loginServer), limits, signal);
}

/** `GET /v2/` without a credential, and the realm and service of its Bearer challenge; `check` passes each URL first. */
async function challengeEndpoint(target: RegistryTarget, check: (url: string) => URL, limits: RequestLimits, signal?: AbortSignal): Promise<TokenEndpoint> {
  const registry = target.loginServer;
  const base = check(`https://${registry}/v2/`);
  const response = await requestRegistry(registry, base.href, { method: 'GET' }, limits, signal);
  const header = response.headers.get('www-authenticate');
  if (response.status !== 401 || header === null) {
    if (response.status === 401 || response.status === 200) {
      throw new AcrError('malformedResponse', registry, { correlationId: response.correlationId, detail: 'GET /v2/ did not answer with a Bearer challenge' });
    }
    throw failure(registry, response, 'none');
  }
  let challenge;
  try {
    challenge = parseBearerChallenge(header);
  } catch (error) {
    if (!(error instanceof ChallengeError)) throw error;
    throw new AcrError('malformedResponse', registry, { correlationId: response.correlationId, detail: error.message, cause: error });
  }
  return { realm: check(challenge.realm), service: challenge.service };
}

const firewallMessage = /firewall|network rule|not allowed access|public (network )?access|virtual network|private endpoint|ip address/i;

/**
 * The error for a refused request. `entra` requests carry an Entra or ACR token (401: expired or another
 * tenant); `password` requests carry a username and password (401: wrong credentials); `none` requests (the
 * challenge) carry no credential, so a 403 is no missing role there but the registry's network rules. A caller
 * that knows the registry's mode passes it, so `noRole` names the roles that count there.
 */
export function failure(registry: string, response: RegistryResponse, credentialKind: 'entra' | 'password' | 'none', mode: RegistryMode = {}): AcrError {
  const message = serverMessage(response.body);
  const details = { correlationId: response.correlationId, detail: `HTTP ${response.status}${message ? `: ${message}` : ''}`, abac: mode.abac };
  if (response.status === 401) {
    if (credentialKind === 'password') return new AcrError('credentialsRejected', registry, details);
    return new AcrError(message && /tenant/i.test(message) ? 'wrongTenant' : 'tokenExpired', registry, details);
  }
  if (response.status === 403) return new AcrError(credentialKind === 'none' || (message && firewallMessage.test(message)) ? 'firewall' : 'noRole', registry, details);
  if (response.status >= 500) {
    const retryAfter = response.headers.get('retry-after');
    return new AcrError('unavailable', registry, { ...details, retryAfterSeconds: retryAfter === null ? undefined : retryAfterSeconds(retryAfter) });
  }
  return new AcrError('malformedResponse', registry, { ...details, detail: `unexpected ${details.detail}` });
}

/** The JWT in `field` of a 200 answer, with its expiry; anything else is `malformedResponse`. */
export function tokenFromAnswer(registry: string, response: RegistryResponse, field: 'refresh_token' | 'access_token'): AcrToken {
  const malformed = (detail: string, cause?: unknown): AcrError => new AcrError('malformedResponse', registry, { correlationId: response.correlationId, detail, cause });
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    // No cause: JSON.parse quotes the start of the body, which may be a token.
    throw malformed('the answer is not JSON');
  }
  const token = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[field] : undefined;
  if (typeof token !== 'string' || token === '') throw malformed(`the answer has no ${field}`);
  let expiresOn: number;
  try {
    expiresOn = jwtExpiresOn(token);
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    throw malformed(`the ${field} is not a valid token: ${error.message}`, error);
  }
  if (expiresOn <= Date.now()) {
    throw new AcrError('tokenExpired', registry, { correlationId: response.correlationId, detail: `the registry answered with a ${field} that has already expired` });
  }
  return { token, expiresOn };
}

export function formBody(fields: ReadonlyArray<readonly [string, string]>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields.map(([name, value]) => [name, value])).toString(),
  };
}
