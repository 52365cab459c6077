import type { TokenCredential } from '@azure/core-auth';
import { scopeFor } from '../azure/clouds';
import { AcrError, SignInTimeoutError } from './errors';
import { defaultRequestLimits, RequestLimits, requestRegistry } from './http';
import { jwtAccountName } from './jwt';
import { HostTrust } from './loginServer';
import { AcrToken, assertEntraLoginServer, discoverTokenEndpoint, failure, formBody, RegistryTarget, RequestOptions, TokenEndpoint, tokenFromAnswer } from './protocol';
import { SingleFlight } from './singleFlight';

/** The user name that marks a Docker password as an ACR token, refresh or access (docs/protocol.md section 5). */
export const acrTokenUsername = '00000000-0000-0000-0000-000000000000';

/** Which Entra token audience a registry's exchange accepts (docs/protocol.md section 3). */
export type Audience = 'acr' | 'arm';

/** Remembers per login server which audience worked, so the extension can persist it. */
export interface AudienceStore {
  get(loginServer: string): Audience | undefined;
  set(loginServer: string, audience: Audience): void | PromiseLike<void>;
}

export interface EntraRegistryTarget extends RegistryTarget {
  /** The audience to try first when none is remembered; the ACR audience when absent. */
  readonly preferredAudience?: Audience;
}

export interface AcrTokenClientOptions {
  /** The signed-in account (one client per account). */
  readonly credential: TokenCredential;
  readonly trust: HostTrust;
  readonly audienceStore?: AudienceStore;
  readonly limits?: Partial<RequestLimits>;
  /** Tokens are renewed this long before their `exp` (at most half their lifetime). */
  readonly renewBeforeExpiryMs?: number;
}

interface CachedToken extends AcrToken {
  readonly renewAt: number;
}

/** An ACR refresh token, and who the Entra token it was exchanged for belongs to (for display). */
export interface AcrRefreshToken extends AcrToken {
  readonly account?: string;
}

interface CachedRefreshToken extends CachedToken, AcrRefreshToken {
  readonly endpoint: TokenEndpoint;
}

/**
 * Entra token -> ACR refresh token -> ACR access tokens (docs/protocol.md sections 2-4), cached until near
 * `exp`; concurrent callers share one exchange per registry and one token request per scope set.
 */
export class AcrTokenClient {
  private readonly limits: RequestLimits;
  private readonly renewBeforeExpiryMs: number;
  private readonly refreshTokens = new Map<string, CachedRefreshToken>();
  private readonly accessTokens = new Map<string, CachedToken>();
  /** Bumped by `forget`, so an exchange already under way does not fill the cache again. */
  private readonly generations = new Map<string, number>();
  private readonly exchanges = new SingleFlight<CachedRefreshToken>();
  private readonly tokenRequests = new SingleFlight<CachedToken>();

  constructor(private readonly options: AcrTokenClientOptions) {
    this.limits = { ...defaultRequestLimits, ...options.limits };
    this.renewBeforeExpiryMs = options.renewBeforeExpiryMs ?? 5 * 60_000;
  }

  /** An ACR refresh token for the registry (e.g. for `docker login` with the null GUID). */
  async refreshToken(target: EntraRegistryTarget, options: RequestOptions = {}): Promise<AcrRefreshToken> {
    const { token, expiresOn, account } = await this.currentRefreshToken(target, options.signal);
    return { token, expiresOn, account };
  }

  /** An ACR access token for these scopes, e.g. `repository:hello:pull` (docs/protocol.md section 4). */
  async accessToken(target: EntraRegistryTarget, scopes: readonly string[], options: RequestOptions = {}): Promise<AcrToken> {
    const key = `${target.loginServer}\n${[...new Set(scopes)].sort().join(' ')}`;
    const cached = this.accessTokens.get(key);
    if (cached && Date.now() < cached.renewAt) return { token: cached.token, expiresOn: cached.expiresOn };
    const generation = this.generation(target.loginServer);
    const fresh = await this.tokenRequests.run(
      key,
      async (signal) => {
        const token = await this.requestAccessToken(target, scopes, signal);
        if (this.generation(target.loginServer) === generation) this.accessTokens.set(key, token);
        return token;
      },
      options.signal,
    );
    return { token: fresh.token, expiresOn: fresh.expiresOn };
  }

  /** Drops every token of this registry (sign out); the remembered audience stays. */
  forget(loginServer: string): void {
    this.generations.set(loginServer, this.generation(loginServer) + 1);
    this.refreshTokens.delete(loginServer);
    for (const key of this.accessTokens.keys()) if (key.startsWith(`${loginServer}\n`)) this.accessTokens.delete(key);
  }

  private generation(loginServer: string): number {
    return this.generations.get(loginServer) ?? 0;
  }

  private async currentRefreshToken(target: EntraRegistryTarget, signal?: AbortSignal): Promise<CachedRefreshToken> {
    const cached = this.refreshTokens.get(target.loginServer);
    if (cached && Date.now() < cached.renewAt) return cached;
    const generation = this.generation(target.loginServer);
    return this.exchanges.run(
      target.loginServer,
      async (flightSignal) => {
        const token = await this.exchange(target, flightSignal);
        if (this.generation(target.loginServer) === generation) this.refreshTokens.set(target.loginServer, token);
        return token;
      },
      signal,
    );
  }

  private async requestAccessToken(target: EntraRegistryTarget, scopes: readonly string[], signal: AbortSignal): Promise<CachedToken> {
    const registry = target.loginServer;
    for (let attempt = 1; ; attempt++) {
      const refresh = await this.currentRefreshToken(target, signal);
      const fields: [string, string][] = [
        ['grant_type', 'refresh_token'],
        ['service', refresh.endpoint.service],
        ...scopes.map((scope): [string, string] => ['scope', scope]),
        ['refresh_token', refresh.token],
      ];
      const response = await requestRegistry(registry, refresh.endpoint.realm.href, formBody(fields), this.limits, signal);
      if (response.status === 200) return this.cacheable(tokenFromAnswer(registry, response, 'access_token'));
      // A refresh token the registry no longer accepts (revoked, roles changed): exchange once more, then give up.
      if (response.status === 401 && attempt === 1) {
        if (this.refreshTokens.get(registry) === refresh) this.refreshTokens.delete(registry);
        continue;
      }
      throw failure(registry, response, 'entra');
    }
  }

  private async exchange(target: EntraRegistryTarget, signal: AbortSignal): Promise<CachedRefreshToken> {
    const registry = target.loginServer;
    const remembered = this.options.audienceStore?.get(registry);
    const first = remembered ?? target.preferredAudience ?? 'acr';
    const audiences: Audience[] = [first, first === 'acr' ? 'arm' : 'acr'];
    // For a login server that may receive it, the Entra token is asked for while the challenge is answered (a
    // round trip each, on connections of their own); it goes nowhere but to the realm the challenge names, once
    // that has been checked too (docs/protocol.md section 1).
    assertEntraLoginServer(target, this.options.trust);
    const firstEntraToken = this.entraToken(registry, first, signal);
    firstEntraToken.catch(() => undefined);
    const endpoint = await discoverTokenEndpoint(target, this.options.trust, this.limits, signal);
    let refused: AcrError | undefined;
    for (const audience of audiences) {
      const entraToken = await (audience === first ? firstEntraToken : this.entraToken(registry, audience, signal));
      const fields: [string, string][] = [
        ['grant_type', 'access_token'],
        ['service', endpoint.service],
        ...(target.tenantId ? [['tenant', target.tenantId] as [string, string]] : []),
        ['access_token', entraToken],
      ];
      const response = await requestRegistry(registry, new URL('/oauth2/exchange', endpoint.realm).href, formBody(fields), this.limits, signal);
      if (response.status === 401) {
        // This audience was refused (e.g. ARM-audience tokens switched off); the other may work.
        refused = failure(registry, response, 'entra');
        continue;
      }
      if (response.status !== 200) throw failure(registry, response, 'entra');
      const token = tokenFromAnswer(registry, response, 'refresh_token');
      if (audience !== remembered) await this.options.audienceStore?.set(registry, audience);
      return { ...this.cacheable(token), endpoint, account: jwtAccountName(entraToken) };
    }
    throw refused!;
  }

  private async entraToken(registry: string, audience: Audience, signal: AbortSignal): Promise<string> {
    const { cloud } = this.options.trust;
    const scope = scopeFor(audience === 'acr' ? cloud.acrAudience : cloud.armAudience);
    // Entra gets the same bound as a registry request: a sign-in library may set none of its own.
    const timeout = AbortSignal.timeout(this.limits.timeoutMs);
    const stopped = AbortSignal.any([signal, timeout]);
    let token;
    try {
      token = await untilAborted(this.options.credential.getToken(scope, { abortSignal: stopped }), stopped);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        const cause = new SignInTimeoutError(this.limits.timeoutMs / 1000);
        throw new AcrError('notSignedIn', registry, { detail: `no answer for ${scope}`, cause });
      }
      throw new AcrError('notSignedIn', registry, { detail: `${(error as Error).name ?? 'Error'} for ${scope}`, cause: error });
    }
    if (!token?.token) throw new AcrError('notSignedIn', registry, { detail: `no token for ${scope}` });
    return token.token;
  }

  private cacheable(token: AcrToken): CachedToken {
    const now = Date.now();
    const margin = Math.min(this.renewBeforeExpiryMs, (token.expiresOn - now) / 2);
    return { ...token, renewAt: token.expiresOn - margin };
  }
}

/** Settles with the promise, or rejects as soon as the signal aborts, whether or not the promise heeds it. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
