import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Exchange, Reply, Route } from './http';
import { IdentityFixture, TenantFixture } from './fixture';
import { decodeJwt, verifyJwt } from './jwt';
import { issued, World, workloadAudience } from './world';

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  tenantSegment: string;
  expiresAt: number;
  approvedBy?: string;
  declined?: boolean;
}

interface AuthorizationCode {
  identity: string;
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod: string;
  expiresAt: number;
  redeemed: boolean;
}

interface UserRefreshToken {
  identity: string;
  clientId: string;
  /** Tenants whose MFA the user satisfied by signing in interactively there (see TenantFixture.requiresMfa). */
  mfaTenants: ReadonlySet<string>;
}

const oidcScopes = new Set(['openid', 'profile', 'offline_access', 'email']);
/** Entra's authorization codes are short-lived: about ten minutes. */
const authorizationCodeSeconds = 600;

/** Microsoft Entra ID as @azure/identity (MSAL) sees it with instance discovery off. */
export class Entra {
  private readonly deviceCodes = new Map<string, DeviceCode>();
  private readonly refreshTokens = new Map<string, UserRefreshToken>();
  private readonly authorizationCodes = new Map<string, AuthorizationCode>();

  constructor(private readonly world: World) {}

  /** Approves a pending device code as a user (what the user does on the verification page). */
  approveDeviceCode(userCode: string, identityName: string): void {
    const code = [...this.deviceCodes.values()].find((candidate) => candidate.userCode === userCode.trim().toUpperCase());
    if (!code) throw new Error(`No sign-in is waiting for the code "${userCode}". Check the code the application shows and enter it again, or start the sign-in again.`);
    const identity = this.world.identityByName(identityName);
    if (identity?.kind !== 'user') throw new Error(`"${identityName}" is not a user in the fixture`);
    code.approvedBy = identity.name;
  }

  pendingDeviceCodes(): string[] {
    return [...this.deviceCodes.values()].filter((code) => !code.approvedBy && code.expiresAt > Date.now()).map((code) => code.userCode);
  }

  route(): Route {
    return async (exchange) => {
      const path = exchange.url.pathname;
      if (path === '/device') return this.devicePage(exchange);
      const match = /^\/([^/]+)\/(.+)$/.exec(path);
      if (!match) return entraError(404, 'invalid_request', 90002, 'not found');
      const [, segment, rest] = match;
      if (segment === 'workload-issuer') return this.workloadIssuerRoute(rest);
      // az 2.45 skips instance discovery (at login.microsoftonline.com) only for an AD FS authority, so it is
      // pointed at <authority>/adfs, as for Azure Stack Hub. AD FS has one directory: the first tenant here.
      if (segment === 'adfs' && rest === '.well-known/openid-configuration') return this.metadata(this.world.tenants[0].id);
      if (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration') return this.metadata(segment);
      if (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys') return { status: 200, json: { keys: [this.jwk(this.world.entraKeys.publicKey.export({ format: 'jwk' }), this.world.entraKeyId)] } };
      if (rest === 'oauth2/v2.0/token' && exchange.req.method === 'POST') return this.token(exchange, segment);
      if (rest === 'oauth2/v2.0/devicecode' && exchange.req.method === 'POST') return this.deviceCode(exchange, segment);
      if (rest === 'oauth2/v2.0/authorize') return this.authorize(exchange, segment);
      return entraError(404, 'invalid_request', 90002, `no such endpoint: ${path}`);
    };
  }

  private resolveTenant(segment: string): TenantFixture | 'multi' | undefined {
    if (segment === 'organizations' || segment === 'common') return 'multi';
    return this.world.tenant(segment);
  }

  private metadata(segment: string): Reply {
    const tenant = this.resolveTenant(segment);
    if (!tenant) return entraError(400, 'invalid_tenant', 90002, `Tenant '${segment}' not found.`);
    const base = `${this.world.entraBase}/${segment}`;
    return {
      status: 200,
      json: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: tenant === 'multi' ? `${this.world.entraBase}/{tenantid}/v2.0` : this.world.entraIssuer(tenant.id),
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${base}/openid/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
        tenant_region_scope: null,
        cloud_instance_name: new URL(this.world.entraBase).host,
        cloud_graph_host_name: new URL(this.world.entraBase).host,
        msgraph_host: new URL(this.world.entraBase).host,
      },
    };
  }

  private jwk(key: { n?: string; e?: string }, kid: string): Record<string, unknown> {
    return { kty: 'RSA', use: 'sig', kid, n: key.n, e: key.e, alg: 'RS256' };
  }

  private workloadIssuerRoute(rest: string): Reply {
    const issuer = this.world.workloadIssuer();
    if (rest === '.well-known/openid-configuration') {
      return { status: 200, json: { issuer, jwks_uri: `${issuer}/keys`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] } };
    }
    if (rest === 'keys') return { status: 200, json: { keys: [this.jwk(this.world.workloadKeys.publicKey.export({ format: 'jwk' }), 'workload')] } };
    return entraError(404, 'invalid_request', 90002, 'not found');
  }

  private async token(exchange: Exchange, segment: string): Promise<Reply> {
    const form = await exchange.form();
    const grantType = form.get('grant_type');
    const tenant = this.resolveTenant(segment);
    if (!tenant) return entraError(400, 'invalid_request', 90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    const resource = resourceOf(form.get('scope') ?? '');
    if (!resource) return entraError(400, 'invalid_scope', 70011, 'The provided request must include a resource scope such as <resource>/.default.');
    if (!this.world.isArmAudience(resource) && !this.world.isAcrAudience(resource)) {
      return entraError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant.`);
    }

    if (grantType === 'client_credentials') {
      if (tenant === 'multi') return entraError(400, 'invalid_request', 90002, 'Client credentials need a tenant, not common or organizations.');
      const client = this.authenticateClient(form, tenant);
      if ('error' in client) return client.error;
      exchange.entry.caller = client.identity.name;
      const { token, expiresIn } = this.world.mintEntraToken(client.identity, tenant.id, resource, client.identity.clientId ?? '');
      return { status: 200, json: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token } };
    }

    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code' || grantType === 'device_code') {
      const code = this.deviceCodes.get(form.get('device_code') ?? '');
      if (!code) return entraError(400, 'invalid_grant', 70000, 'The provided device code is invalid.');
      if (code.expiresAt <= Date.now()) return entraError(400, 'expired_token', 70019, 'Verification code expired.');
      if (code.declined) return entraError(400, 'authorization_declined', 70020, 'The user declined the sign-in.');
      if (!code.approvedBy) return entraError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      this.deviceCodes.delete(code.deviceCode);
      return this.userTokens(exchange, code.approvedBy, code.clientId, tenant, resource, form.get('scope') ?? '', 'interactive');
    }

    if (grantType === 'authorization_code') {
      const code = this.authorizationCodes.get(form.get('code') ?? '');
      if (!code || code.clientId !== form.get('client_id')) return entraError(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid.");
      if (code.redeemed) return entraError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
      code.redeemed = true;
      if (code.expiresAt <= Date.now()) return entraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
      if (code.redirectUri !== form.get('redirect_uri')) {
        return entraError(400, 'invalid_grant', 500112, `The reply address '${form.get('redirect_uri') ?? ''}' does not match the reply address '${code.redirectUri}' provided when requesting Authorization code.`);
      }
      if (code.codeChallenge !== undefined && !verifierMatches(form.get('code_verifier') ?? '', code.codeChallenge, code.codeChallengeMethod)) {
        return entraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
      return this.userTokens(exchange, code.identity, code.clientId, tenant, resource, form.get('scope') ?? '', 'interactive');
    }

    if (grantType === 'refresh_token') {
      const stored = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!stored) return entraError(400, 'invalid_grant', 9002313, 'Invalid request. The refresh token is malformed or not valid.');
      return this.userTokens(exchange, stored.identity, stored.clientId, tenant, resource, form.get('scope') ?? '', stored.mfaTenants);
    }

    return entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
  }

  /** `signedIn`: 'interactive' for a device code or authorization code, or the MFA a refresh token carries. */
  private userTokens(exchange: Exchange, identityName: string, clientId: string, tenant: TenantFixture | 'multi', resource: string, scope: string, signedIn: 'interactive' | ReadonlySet<string>): Reply {
    const identity = this.world.identityByName(identityName);
    if (!identity) return entraError(400, 'invalid_grant', 50034, 'The user account does not exist.');
    const tenantId = tenant === 'multi' ? identity.tenants[0] : tenant.id;
    if (!identity.tenants.includes(tenantId)) {
      return entraError(400, 'invalid_grant', 50020, `User account '${identity.username ?? ''}' does not exist in tenant '${tenantId}'.`);
    }
    const mfaTenants = new Set(signedIn === 'interactive' ? [tenantId] : signedIn);
    if (this.world.tenants.find((candidate) => candidate.id === tenantId)?.requiresMfa && !mfaTenants.has(tenantId)) {
      return entraError(400, 'interaction_required', 50076, `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`);
    }
    exchange.entry.caller = identity.name;
    const { token, expiresIn } = this.world.mintEntraToken(identity, tenantId, resource, clientId);
    const refreshToken = issued(randomBytes(48).toString('base64url'));
    this.refreshTokens.set(refreshToken, { identity: identity.name, clientId, mfaTenants });
    const now = Math.floor(Date.now() / 1000);
    const idToken = this.world.signEntraToken({
      aud: clientId,
      iss: this.world.entraIssuer(tenantId),
      iat: now,
      nbf: now,
      exp: now + expiresIn,
      name: identity.displayName,
      oid: identity.objectId,
      preferred_username: identity.username,
      sub: identity.objectId,
      tid: tenantId,
      ver: '2.0',
    });
    return {
      status: 200,
      json: {
        token_type: 'Bearer',
        scope: scope.split(' ').filter((item) => !oidcScopes.has(item)).join(' '),
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: token,
        refresh_token: refreshToken,
        id_token: idToken,
        client_info: Buffer.from(JSON.stringify({ uid: identity.objectId, utid: tenantId })).toString('base64url'),
      },
    };
  }

  /** A confidential client by secret, certificate assertion or federated (workload) assertion. */
  private authenticateClient(form: URLSearchParams, tenant: TenantFixture): { identity: IdentityFixture } | { error: Reply } {
    const clientId = form.get('client_id') ?? '';
    const identity = this.world.identityByClientId(clientId);
    if (!identity || !identity.tenants.includes(tenant.id)) {
      return { error: entraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.id}'.`) };
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (identity.kind !== 'servicePrincipal' || !(identity.secrets ?? []).includes(secret)) {
        return { error: entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.') };
      }
      return { identity };
    }
    if (assertion !== null) {
      const claims = decodeJwt(assertion)?.claims;
      if (claims?.iss === this.world.workloadIssuer()) {
        try {
          const verified = verifyJwt(assertion, [this.world.workloadKeys.publicKey]).claims;
          const audiences = Array.isArray(verified.aud) ? verified.aud : [verified.aud];
          if (!audiences.includes(workloadAudience) || !(identity.federatedSubjects ?? []).includes(String(verified.sub))) throw new Error('no match');
          return { identity };
        } catch {
          return { error: entraError(400, 'invalid_request', 70021, 'No matching federated identity record found for presented assertion.') };
        }
      }
      const certificate = this.world.identityCertificates.get(identity.name);
      try {
        if (!certificate) throw new Error('no certificate');
        const verified = verifyJwt(assertion, [certificate.keys.publicKey]).claims;
        if (verified.iss !== clientId || verified.sub !== clientId || !String(verified.aud).endsWith('/oauth2/v2.0/token')) throw new Error('claims');
        return { identity };
      } catch {
        return { error: entraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.') };
      }
    }
    return { error: entraError(400, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.") };
  }

  private async deviceCode(exchange: Exchange, segment: string): Promise<Reply> {
    const form = await exchange.form();
    if (!this.resolveTenant(segment)) return entraError(400, 'invalid_request', 90002, `Tenant '${segment}' not found.`);
    const userCode = randomBytes(6).toString('hex').slice(0, 9).toUpperCase();
    const code: DeviceCode = {
      deviceCode: issued(randomBytes(32).toString('base64url')),
      userCode,
      clientId: form.get('client_id') ?? '',
      scope: form.get('scope') ?? '',
      tenantSegment: segment,
      expiresAt: Date.now() + this.world.lifetimes.deviceCodeSeconds * 1000,
    };
    this.deviceCodes.set(code.deviceCode, code);
    const verificationUri = `${this.world.entraBase}/device`;
    return {
      status: 200,
      json: {
        user_code: userCode,
        device_code: code.deviceCode,
        verification_uri: verificationUri,
        expires_in: this.world.lifetimes.deviceCodeSeconds,
        interval: this.world.lifetimes.devicePollIntervalSeconds,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  /**
   * The sign-in page of the authorization code flow: pick a user of the tenant and go back to the app's
   * loopback redirect URI with a one-time code. The form posts to the same URL, so the request rides along.
   */
  private async authorize(exchange: Exchange, segment: string): Promise<Reply> {
    const request = exchange.url.searchParams;
    const tenant = this.resolveTenant(segment);
    if (!tenant) return errorPage(400, `Tenant '${segment}' not found. Check the tenant ID and that you are signing in to the correct cloud.`);
    const clientId = request.get('client_id') ?? '';
    if (!clientId) return errorPage(400, "The request must contain a 'client_id' parameter. Sign in again from the application.");
    const redirectUri = request.get('redirect_uri') ?? '';
    if (!isLoopbackRedirect(redirectUri)) {
      return errorPage(400, `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Use a loopback redirect URI such as http://localhost:<port>, as a desktop application does.`);
    }
    const back = (fields: Record<string, string>): Reply => {
      const location = new URL(redirectUri);
      for (const [name, value] of Object.entries({ ...fields, state: request.get('state') ?? '' })) if (value) location.searchParams.set(name, value);
      return { status: 302, headers: { location: location.href } };
    };
    if (request.get('response_type') !== 'code') {
      return back({ error: 'unsupported_response_type', error_description: "The emulator supports only response_type 'code'. Sign in with the authorization code flow." });
    }
    const codeChallenge = request.get('code_challenge') ?? undefined;
    const codeChallengeMethod = request.get('code_challenge_method') ?? 'plain';
    if (codeChallenge !== undefined && codeChallengeMethod !== 'S256' && codeChallengeMethod !== 'plain') {
      return back({ error: 'invalid_request', error_description: `Invalid code_challenge_method '${codeChallengeMethod}'. Use S256.` });
    }
    const users = this.world.identities.filter((identity) => identity.kind === 'user' && (tenant === 'multi' || identity.tenants.includes(tenant.id)));

    if (exchange.req.method === 'POST') {
      const chosen = (await exchange.form()).get('identity');
      const user = users.find((candidate) => candidate.name === chosen);
      if (!user) return errorPage(400, 'Pick one of the listed accounts and sign in again.');
      const code = issued(randomBytes(32).toString('base64url'));
      this.authorizationCodes.set(code, { identity: user.name, clientId, redirectUri, codeChallenge, codeChallengeMethod, expiresAt: Date.now() + authorizationCodeSeconds * 1000, redeemed: false });
      exchange.entry.caller = user.name;
      return back({ code });
    }

    const options = users.map((user) => `<option value="${escapeHtml(user.name)}">${escapeHtml(user.displayName)} (${escapeHtml(user.username ?? '')})</option>`).join('');
    const action = escapeHtml(exchange.url.pathname + exchange.url.search);
    return htmlPage(200, `<h1>Pick an account</h1>
<form method="post" action="${action}"><label>Account <select name="identity">${options}</select></label><button type="submit">Sign in</button></form>`);
  }

  /** The verification page a person opens: pick a user of the fixture and approve the code. */
  private async devicePage(exchange: Exchange): Promise<Reply> {
    let notice = '';
    let status = 200;
    if (exchange.req.method === 'POST') {
      const form = await exchange.form();
      try {
        this.approveDeviceCode(form.get('user_code') ?? '', form.get('identity') ?? '');
        notice = '<p class="ok">Signed in. You can close this page and return to the application.</p>';
      } catch (error) {
        status = 400;
        notice = `<p class="error">${escapeHtml((error as Error).message)}</p>`;
      }
    }
    const users = this.world.identities.filter((identity) => identity.kind === 'user');
    const options = users.map((user) => `<option value="${escapeHtml(user.name)}">${escapeHtml(user.displayName)} (${escapeHtml(user.username ?? '')})</option>`).join('');
    return htmlPage(status, `<h1>Sign in (emulated Microsoft Entra ID)</h1>${notice}
<form method="post" action="/device"><label>Code <input name="user_code" autocomplete="off" required></label>
<label>Account <select name="identity">${options}</select></label><button type="submit">Sign in</button></form>`);
  }
}

/** The resource of the first non-OIDC scope, without `/.default`. */
function resourceOf(scope: string): string | undefined {
  const first = scope.split(' ').find((item) => item && !oidcScopes.has(item));
  if (!first) return undefined;
  return first.endsWith('/.default') ? first.slice(0, -'/.default'.length) : first.slice(0, first.lastIndexOf('/'));
}

export function entraError(status: number, error: string, code: number, description: string): Reply {
  const traceId = randomUUID();
  return {
    status,
    json: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: traceId,
      correlation_id: randomUUID(),
    },
  };
}

/** Entra accepts any port on a loopback `http` redirect URI of a public client (RFC 8252 section 7.3). */
function isLoopbackRedirect(redirectUri: string): boolean {
  if (!URL.canParse(redirectUri)) return false;
  const url = new URL(redirectUri);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) && !url.username && !url.password && !url.hash;
}

/** PKCE (RFC 7636): S256 is base64url(SHA-256(verifier)). */
function verifierMatches(verifier: string, challenge: string, method: string): boolean {
  const expected = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return verifier !== '' && expected === challenge;
}

function htmlPage(status: number, body: string): Reply {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Emulated sign-in</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}label,input,select,button{display:block;margin:.5rem 0}.ok{color:green}.error{color:#b00}</style></head>
<body>${body}</body></html>`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, text: html };
}

function errorPage(status: number, message: string): Reply {
  return htmlPage(status, `<h1>Sign-in failed</h1><p class="error">${escapeHtml(message)}</p>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}
