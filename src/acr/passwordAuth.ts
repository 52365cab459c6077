import { defaultRequestLimits, RequestLimits, requestRegistry } from './http';
import { AcrToken, discoverPasswordEndpoint, failure, RegistryTarget, RequestOptions, tokenFromAnswer } from './protocol';

/** Registry-local credentials: the admin user, or a repository-scoped ACR token's name and password. */
export interface PasswordCredentials {
  readonly username: string;
  readonly password: string;
}

export interface PasswordAuthOptions extends RequestOptions {
  readonly limits?: Partial<RequestLimits>;
}

/**
 * An ACR access token for these scopes from a username and password: `GET /oauth2/token?service=&scope=`
 * with HTTP Basic auth (docs/protocol.md section 4). The password goes only to the login server itself, over
 * HTTPS, whatever host that is: the Entra rule for hosts is not for passwords (`assertPasswordUrl`).
 */
export async function accessTokenWithPassword(target: RegistryTarget, credentials: PasswordCredentials, scopes: readonly string[], options: PasswordAuthOptions = {}): Promise<AcrToken> {
  const registry = target.loginServer;
  const limits = { ...defaultRequestLimits, ...options.limits };
  const endpoint = await discoverPasswordEndpoint(target, limits, options.signal);
  const url = new URL(endpoint.realm);
  url.searchParams.set('service', endpoint.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const response = await requestRegistry(registry, url.href, { method: 'GET', headers: { authorization: `Basic ${basic}` } }, limits, options.signal);
  if (response.status !== 200) throw failure(registry, response, 'password');
  return tokenFromAnswer(registry, response, 'access_token');
}

/** Resolves when the registry accepts these credentials; rejects with `credentialsRejected` (or why it could not tell). */
export async function checkPasswordCredentials(target: RegistryTarget, credentials: PasswordCredentials, options: PasswordAuthOptions = {}): Promise<void> {
  await accessTokenWithPassword(target, credentials, [], options);
}
