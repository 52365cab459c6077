import * as l10n from '@vscode/l10n';
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { accessAdvice, roleFor, type AccessAttempt } from '../actionableFailure';
import { parseBearerChallenge } from '../acr/challenge';
import { AcrError, withoutSecrets } from '../acr/errors';
import { requestRegistry, type RequestLimits } from '../acr/http';
import { accessTokenClaims, entraTokenClaims, fromAbacRegistry, grantedActions } from '../acr/jwt';
import { assertTrustedUrl, untrustedReason } from '../acr/loginServer';
import { failure, formBody, tokenFromAnswer } from '../acr/protocol';
import type { Audience } from '../acr/tokenClient';
import { scopeFor } from '../azure/clouds';
import { registryId } from '../azure/permissions';
import { listRegionalEndpoints } from '../azure/regionalEndpoints';
import type { RegistrySummary } from '../azure/registries';
import { listRoleAssignments } from '../azure/roleAssignments';
import { serverAddressProblem } from '../docker/references';
import { type Actor, type Check, type CheckOutcome, failed, type Findings, passed, skipped } from './diagnosis';

/** One try per request, and soon: a diagnosis reports trouble rather than waiting it out. */
const limits: RequestLimits = { timeoutMs: 15_000, throttleRetries: 0, maxRetryAfterSeconds: 0 };
const maxSkewMs = 5 * 60_000;
/** The tenant in the `tid` of every personal Microsoft account's tokens (docs/protocol.md section 10). */
const personalAccountsTenant = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** `host` of `host:port` or `[v6]:port`. */
function hostOf(loginServer: string): { host: string; port: number } {
  const url = new URL(`https://${loginServer}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
}

/** Who fixes an ACR refusal of this kind. */
function actorFor(error: AcrError): Actor {
  if (error.kind === 'firewall' || error.kind === 'network' || error.kind === 'timeout') return 'networkAdmin';
  if (error.kind === 'noRole') return 'registryOwner';
  return 'you';
}

/** A check's failure from an `AcrError`: its message is what was seen and what to do, with its correlation id. */
function fromAcrError(error: unknown): CheckOutcome {
  if (!(error instanceof AcrError)) throw error;
  return failed(error.detail ?? error.kind, error.message, actorFor(error), error.correlationId);
}

/** 1. The login server is well formed and may receive an Entra token, and why (docs/protocol.md section 1). */
export const checkName: Check = ({ loginServer, trust }) => {
  const problem = serverAddressProblem(loginServer) ?? untrustedReason(`https://${loginServer}/v2/`, trust);
  if (problem) {
    return failed(
      l10n.t('{0}: {1}', loginServer, problem),
      l10n.t('Check the login server. If you trust {0}, add it to the acrAccess.trustedHosts setting; no Azure token is sent to it until then.', loginServer),
      'you',
    );
  }
  if (trust.armLoginServers?.includes(loginServer)) return passed(l10n.t('{0} is a registry Azure Resource Manager listed for your account (cloud {1}).', loginServer, trust.cloud.name));
  if (trust.userTrustedHosts?.includes(loginServer)) return passed(l10n.t('{0} is trusted by the acrAccess.trustedHosts setting (cloud {1}).', loginServer, trust.cloud.name));
  return passed(l10n.t('{0} is a login server of cloud {1} (.{2}).', loginServer, trust.cloud.name, trust.cloud.loginServerSuffix));
};

/** Whether an address is private, loopback or link-local, as a private endpoint's is. */
function isPrivateAddress(address: string): boolean {
  return /^(10\.|127\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address) || /^(::1$|f[cd]|fe80:)/i.test(address);
}

/** Where a host resolves, and whether to private addresses (a private endpoint's) or through a private-link CNAME. */
async function resolvedHost(host: string): Promise<string> {
  const addresses = (await dns.lookup(host, { all: true })).map((entry) => entry.address);
  const names = await dns.resolveCname(host).catch(() => [] as string[]);
  const privateLink = names.find((name) => name.includes('.privatelink.'));
  const kind = addresses.every(isPrivateAddress) ? l10n.t('private') : l10n.t('public');
  const seen = l10n.t('{0} resolves to {1} ({2} addresses).', host, addresses.join(', '), kind);
  return privateLink ? `${seen} ${l10n.t('CNAME {0}: a private endpoint.', privateLink)}` : seen;
}

/** The resolver's error code (ENOTFOUND, EAI_AGAIN...), or the error itself. */
function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** A regional endpoint's region, from its form `<name>.<region>.geo.<suffix>` (docs/protocol.md section 1). */
function regionOf(host: string): string {
  return host.split('.')[1] ?? host;
}

/**
 * Where the endpoints ARM lists beyond the login server resolve: the data endpoints and the regional endpoints
 * (docs/protocol.md section 1). What was seen, one line each, and the advice when some do not resolve.
 */
export async function endpointsResolved(dataEndpoints: readonly string[], regionalEndpoints: readonly string[]): Promise<{ readonly seen: readonly string[]; readonly advice?: string }> {
  const seen: string[] = [];
  const unresolved = async (endpoints: ReadonlyArray<readonly [label: string, host: string]>): Promise<string[]> => {
    const missing: string[] = [];
    for (const [label, host] of endpoints) {
      try {
        seen.push(l10n.t('{0}: {1}', label, await resolvedHost(host)));
      } catch (error) {
        missing.push(host);
        seen.push(l10n.t('{0}: {1} does not resolve ({2}).', label, host, errorCode(error)));
      }
    }
    return missing;
  };
  const data = await unresolved(dataEndpoints.map((host) => [l10n.t('Data endpoint'), host] as const));
  const regional = await unresolved(regionalEndpoints.map((host) => [l10n.t('Regional endpoint ({0})', regionOf(host)), host] as const));
  const advice: string[] = [];
  if (data.length > 0) {
    advice.push(
      l10n.t(
        'Docker downloads layers from the data endpoints ({0}), not from the login server: the DNS and firewall rules that let this computer reach the login server must allow the data endpoints too (with a private endpoint, their records in the privatelink.azurecr.io zone).',
        data.join(', '),
      ),
    );
  }
  if (regional.length > 0) {
    advice.push(
      l10n.t(
        'The regional endpoints ({0}) are login servers of their own, one per geo-replica: the DNS and firewall rules that let this computer reach the login server must allow each regional endpoint that clients or image names may use too.',
        regional.join(', '),
      ),
    );
  }
  return { seen, advice: advice.join(' ') || undefined };
}

/** The registry's regional endpoints as ARM lists them, or why they are not known; none when ARM did not list the registry. */
async function regionalEndpoints({ registry, credential, trust, signal }: Parameters<Check>[0]): Promise<{ readonly hosts: readonly string[]; readonly note?: string }> {
  if (!registry || !credential) return { hosts: [] };
  try {
    return { hosts: await listRegionalEndpoints(credential, trust.cloud, registry, signal) };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { hosts: [], note: l10n.t('The regional endpoints could not be listed: {0}', withoutSecrets((error as Error).message)) };
  }
}

/** 2. The addresses of the login server, its data endpoints and regional endpoints, a private-link CNAME, and whether the addresses are private. */
export const checkDns: Check = async (inputs, findings) => {
  const { host } = hostOf(inputs.loginServer);
  let loginServerSeen = l10n.t('{0} is an IP address: there is no name to resolve.', host);
  if (!isIP(host)) {
    try {
      loginServerSeen = await resolvedHost(host);
    } catch (error) {
      return failed(
        l10n.t('{0} does not resolve ({1}).', host, errorCode(error)),
        l10n.t('Check the login server for typos. On a network with a private endpoint, your DNS must resolve the privatelink.azurecr.io zone (a VPN or a DNS forwarder to Azure).'),
        'networkAdmin',
      );
    }
  }
  findings.resolved = true;
  const regional = await regionalEndpoints(inputs);
  const endpoints = await endpointsResolved(inputs.registry?.dataEndpointHostNames ?? [], regional.hosts);
  const seen = [loginServerSeen, ...(regional.note ? [regional.note] : []), ...endpoints.seen].join(' ');
  if (endpoints.advice) return failed(seen, endpoints.advice, 'networkAdmin');
  if (isIP(host) && endpoints.seen.length === 0) return skipped(seen);
  return passed(seen);
};

/** A proxy URL's host alone: the URL may carry a password. */
function proxyHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return l10n.t('(unreadable)');
  }
}

/** The proxies named for HTTPS, host only: the environment's HTTPS_PROXY and VS Code's http.proxy setting. */
function proxiesNamed(env: NodeJS.ProcessEnv, setting: string | undefined): string[] {
  const environment = env.HTTPS_PROXY ?? env.https_proxy;
  return [
    ...(environment ? [l10n.t('HTTPS_PROXY names {0}', proxyHost(environment))] : []),
    ...(setting ? [l10n.t('http.proxy names {0}', proxyHost(setting))] : []),
  ];
}

function describeName(name: PeerCertificate['subject'] | undefined): string {
  return [name?.CN ?? name?.O ?? l10n.t('(no name)')].flat().join(', ');
}

/** 3. The certificate chain, its issuer and expiry, and whether this computer trusts it; the proxies named (environment, VS Code). */
export const checkTls: Check = async ({ loginServer, engine, proxy }, findings) => {
  if (!findings.resolved) return skipped(l10n.t('The host did not resolve (DNS).'));
  const { host, port } = hostOf(loginServer);
  const socket = connect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
  let certificate: DetailedPeerCertificate;
  let trusted: { authorized: boolean; error?: string };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.setTimeout(limits.timeoutMs, () => reject(new Error(l10n.t('no TLS handshake within {0} s', limits.timeoutMs / 1000))));
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    certificate = socket.getPeerCertificate(true);
    trusted = { authorized: socket.authorized, error: socket.authorizationError?.message ?? String(socket.authorizationError) };
  } catch (error) {
    return failed(
      l10n.t('No TLS connection to {0}: {1}', loginServer, (error as NodeJS.ErrnoException).code ?? (error as Error).message),
      l10n.t('Check that {0} is reachable from this network on port {1} (firewall, proxy).', loginServer, port),
      'networkAdmin',
    );
  } finally {
    socket.destroy();
  }
  const chain: string[] = [];
  for (let current: DetailedPeerCertificate | undefined = certificate; current?.subject && chain.length < 5; current = current.issuerCertificate === current ? undefined : current.issuerCertificate) {
    chain.push(describeName(current.subject));
  }
  const proxies = proxiesNamed(engine.env, proxy);
  const seen = [
    l10n.t('Certificate for {0}, issued by {1}, valid until {2}; chain: {3}.', describeName(certificate.subject), describeName(certificate.issuer), certificate.valid_to, chain.join(' > ')),
    proxies.length > 0 ? l10n.t('{0}: a proxy that intercepts TLS shows its own issuer here.', proxies.join('; ')) : l10n.t('No proxy: neither HTTPS_PROXY nor http.proxy is set.'),
  ].join(' ');
  if (!trusted.authorized) {
    return failed(
      `${seen} ${l10n.t('Not trusted: {0}.', trusted.error ?? '')}`,
      proxies.length > 0
        ? l10n.t("This computer does not trust the registry's certificate, and a proxy is set ({0}): it probably intercepts TLS. Add the proxy's root certificate to the system's trusted certificates (and NODE_EXTRA_CA_CERTS for Node).", proxies.join('; '))
        : l10n.t("This computer does not trust the registry's certificate. If a proxy or firewall inspects TLS, add its root certificate to the system's trusted certificates (and NODE_EXTRA_CA_CERTS for Node)."),
      'networkAdmin',
    );
  }
  findings.trusted = true;
  return passed(`${seen} ${l10n.t('Trusted by this computer.')}`);
};

/** 4. `GET /v2/` answers 401 with a Bearer challenge whose realm may receive the token (docs/protocol.md section 2). */
export const checkChallenge: Check = async ({ loginServer, trust, now, signal }, findings) => {
  if (!findings.resolved) return skipped(l10n.t('The host did not resolve (DNS).'));
  if (!findings.trusted) return skipped(l10n.t('There is no trusted TLS connection to the registry (TLS).'));
  let response;
  try {
    response = await requestRegistry(loginServer, `https://${loginServer}/v2/`, { method: 'GET' }, limits, signal);
  } catch (error) {
    return fromAcrError(error);
  }
  const date = Date.parse(response.headers.get('date') ?? '');
  if (!Number.isNaN(date)) findings.serverDate = { server: date, local: now() };
  const header = response.headers.get('www-authenticate');
  // Without a credential a 403 is the network rules, never a role (docs/protocol.md section 2).
  if (response.status !== 401 || header === null) return fromAcrError(failure(loginServer, response, 'none'));
  try {
    const challenge = parseBearerChallenge(header);
    findings.endpoint = { realm: assertTrustedUrl(challenge.realm, trust, loginServer), service: challenge.service };
  } catch (error) {
    return failed(withoutSecrets((error as Error).message), l10n.t('{0} does not answer as an Azure Container Registry does. Check the login server.', loginServer), 'you', response.correlationId);
  }
  return passed(l10n.t('HTTP 401 with a Bearer challenge: realm {0}, service {1}.', findings.endpoint.realm.href, findings.endpoint.service));
};

/** 5. Which account and tenant the Entra token is for, its audience and expiry (claims only), against the registry's tenant. */
export const checkSignIn: Check = async ({ credential, trust, tenantId, signal }, findings) => {
  if (!credential) return failed(l10n.t('Not signed in to Azure.'), l10n.t('Run ACR: Sign In, then diagnose again.'), 'you');
  let token;
  try {
    token = await credential.getToken(scopeFor(trust.cloud.acrAudience), { abortSignal: signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    return failed(withoutSecrets((error as Error).message), l10n.t('Run ACR: Sign In (for the registry\'s tenant), then diagnose again.'), 'you');
  }
  if (!token) return failed(l10n.t('The sign-in gave no token.'), l10n.t('Run ACR: Sign In again.'), 'you');
  const claims = entraTokenClaims(token.token);
  const seen = l10n.t('Account {0}, tenant {1}, audience {2}, expires {3}.', claims.account ?? '?', claims.tenantId ?? '?', claims.audience ?? '?', new Date(claims.expiresOn).toISOString());
  // ACR refuses personal accounts (docs/protocol.md section 3): no exchange is tried.
  if (claims.tenantId === personalAccountsTenant) {
    return failed(
      `${seen} ${l10n.t('This is a personal Microsoft account.')}`,
      l10n.t(
        "A personal Microsoft account (outlook.com, hotmail.com, live.com) cannot be used with Azure Container Registry. Sign in with a work or school account of the registry's tenant, or ask an owner of the registry to invite your account as a guest to that tenant, then sign in to that tenant.",
      ),
      'you',
    );
  }
  findings.signedIn = true;
  findings.principalId = claims.objectId;
  if (tenantId && claims.tenantId && claims.tenantId !== tenantId) {
    return failed(`${seen} ${l10n.t('The registry is in tenant {0}.', tenantId)}`, l10n.t("Sign in to the registry's tenant {0} (or pick it when signing in).", tenantId), 'you');
  }
  return passed(seen);
};

/** One exchange (docs/protocol.md section 3): the refresh token, or the registry's refusal. */
async function exchangeWith(audience: Audience, { loginServer, credential, trust, tenantId, signal }: Parameters<Check>[0], realm: URL, service: string) {
  const entra = await credential!.getToken(scopeFor(audience === 'acr' ? trust.cloud.acrAudience : trust.cloud.armAudience), { abortSignal: signal });
  if (!entra) return { error: new AcrError('notSignedIn', loginServer) };
  const fields: [string, string][] = [['grant_type', 'access_token'], ['service', service], ...(tenantId ? [['tenant', tenantId] as [string, string]] : []), ['access_token', entra.token]];
  try {
    const response = await requestRegistry(loginServer, new URL('/oauth2/exchange', realm).href, formBody(fields), limits, signal);
    if (response.status !== 200) return { error: failure(loginServer, response, 'entra') };
    return { token: tokenFromAnswer(loginServer, response, 'refresh_token').token, correlationId: response.correlationId };
  } catch (error) {
    if (error instanceof AcrError) return { error };
    throw error;
  }
}

/** 6. The exchange with each audience: which worked, and whether the registry refuses ARM-audience tokens. */
export const checkExchange: Check = async (inputs, findings) => {
  if (!findings.endpoint) return skipped(l10n.t('There is no token endpoint (Challenge).'));
  if (!findings.signedIn) return skipped(l10n.t('No Azure token the registry takes (Sign-in).'));
  const { realm, service } = findings.endpoint;
  const acr = await exchangeWith('acr', inputs, realm, service);
  const arm = await exchangeWith('arm', inputs, realm, service);
  const token = acr.token ?? arm.token;
  if (token) findings.refreshToken = { token, receivedAt: inputs.now() };
  const said = (answer: typeof acr) => (answer.token ? l10n.t('accepted') : l10n.t('refused ({0})', answer.error?.detail ?? answer.error?.kind ?? ''));
  const seen = l10n.t('ACR audience: {0}; ARM audience: {1}.', said(acr), said(arm));
  if (acr.error && arm.error) return failed(seen, acr.error.message, actorFor(acr.error), acr.error.correlationId);
  if (arm.error) {
    return failed(
      seen,
      l10n.t(
        'Registry {0} refuses ARM-audience tokens (authentication-as-arm is off). ACR Access uses the ACR audience, which works; tools that sign in with ARM tokens (az acr login, older SDKs) are refused. An owner can turn it on: az acr config authentication-as-arm update -r <registry> --status enabled.',
        inputs.loginServer,
      ),
      'registryOwner',
      arm.error.correlationId,
    );
  }
  if (acr.error) return failed(seen, acr.error.message, actorFor(acr.error), acr.error.correlationId);
  return passed(seen);
};

/** What each repository action is an attempt at, for the role that grants it (src/actionableFailure.ts). */
const repositoryActions: ReadonlyArray<readonly [string, AccessAttempt]> = [
  ['pull', 'read'],
  ['push', 'write'],
  ['delete', 'delete'],
  ['metadata_read', 'read'],
];

/** Where a role assignment is made, in words: the registry, its resource group or subscription, or the ARM id itself. */
function scopeName(scope: string, registry: RegistrySummary): string {
  if (scope.toLowerCase() === registryId(registry).toLowerCase()) return l10n.t('registry {0}', registry.name);
  const resourceGroup = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)$/i.exec(scope)?.[1];
  if (resourceGroup) return l10n.t('resource group {0}', resourceGroup);
  const subscription = /^\/subscriptions\/([^/]+)$/i.exec(scope)?.[1];
  if (subscription) return l10n.t('subscription {0}', subscription === registry.subscription.id ? registry.subscription.name : subscription);
  return scope;
}

/** The caller's role assignments on the registry and above it, in words; undefined when ARM did not list the registry. */
async function assignmentsSeen({ registry, credential, trust, signal }: Parameters<Check>[0], { principalId }: Findings): Promise<string | undefined> {
  if (!registry || !credential || !principalId) return undefined;
  try {
    const assignments = await listRoleAssignments(credential, trust.cloud, registry, principalId, signal);
    if (assignments.length === 0) return l10n.t('You have no role assignment on the registry or above it.');
    const named = assignments.map(({ roleName, scope, conditional }) =>
      conditional ? l10n.t('{0} on {1}, with a condition', roleName, scopeName(scope, registry)) : l10n.t('{0} on {1}', roleName, scopeName(scope, registry)),
    );
    return l10n.t('Your role assignments on the registry and above it: {0}.', named.join('; '));
  } catch (error) {
    if (signal?.aborted) throw error;
    return l10n.t('Your role assignments could not be listed: {0}', withoutSecrets((error as Error).message));
  }
}

/**
 * 7. The caller's role assignments (ARM), and what an access token for pull, push, delete and metadata_read on
 * the repository grants (its `access` claim), with the role for what is missing.
 */
export const checkRoles: Check = async (inputs, findings) => {
  const { loginServer, repository, signal } = inputs;
  if (!findings.refreshToken || !findings.endpoint) return skipped(l10n.t('There is no refresh token (Exchange).'));
  const assignments = await assignmentsSeen(inputs, findings);
  if (repository === undefined) {
    const notNamed = l10n.t('No repository was named; name one to see what you may do in it.');
    return assignments ? passed(`${assignments} ${notNamed}`) : skipped(notNamed);
  }
  const abac = fromAbacRegistry(findings.refreshToken.token);
  const scope = `repository:${repository}:${repositoryActions.map(([action]) => action).join(',')}`;
  const fields: [string, string][] = [['grant_type', 'refresh_token'], ['service', findings.endpoint.service], ['scope', scope], ['refresh_token', findings.refreshToken.token]];
  let response;
  try {
    response = await requestRegistry(loginServer, findings.endpoint.realm.href, formBody(fields), limits, signal);
    if (response.status !== 200) throw failure(loginServer, response, 'entra', { abac });
  } catch (error) {
    return fromAcrError(error);
  }
  const granted = grantedActions(tokenFromAnswer(loginServer, response, 'access_token').token, 'repository', repository);
  const missing = repositoryActions.filter(([action]) => !granted.includes(action));
  const mode = abac ? l10n.t('repository permissions (ABAC)') : l10n.t('registry roles (RBAC)');
  const seen = [
    ...(assignments ? [assignments] : []),
    l10n.t('Role-assignment mode: {0}. Granted on {1}: {2}.', mode, repository, granted.length > 0 ? granted.join(', ') : l10n.t('nothing')),
    ...missing.map(([action, attempt]) => l10n.t('{0} would need {1}.', action, roleFor(attempt, 'data', abac))),
  ].join(' ');
  if (!granted.includes('pull')) {
    const advice = accessAdvice({ attempt: 'read', plane: 'data', abac, mayAssignRoles: false, scope: l10n.t('registry {0}', loginServer), repository });
    return failed(seen, advice, 'registryOwner', response.correlationId);
  }
  return passed(seen);
};

/** 8. The local clock against the registry's `Date` header and the refresh token's `iat`; more than 5 minutes apart fails. */
export const checkClock: Check = (_inputs, { serverDate, refreshToken }) => {
  const skews: string[] = [];
  let worst = 0;
  if (serverDate) {
    const skew = serverDate.local - serverDate.server;
    skews.push(l10n.t("the registry's Date header: {0} s", Math.round(skew / 1000)));
    worst = Math.max(worst, Math.abs(skew));
  }
  const issuedAt = refreshToken && accessTokenClaims(refreshToken.token).issuedAt;
  if (refreshToken && issuedAt !== undefined) {
    const skew = refreshToken.receivedAt - issuedAt;
    skews.push(l10n.t("the token's iat: {0} s", Math.round(skew / 1000)));
    worst = Math.max(worst, Math.abs(skew));
  }
  if (skews.length === 0) return skipped(l10n.t('The registry sent no Date header and no token (Challenge, Exchange).'));
  const seen = l10n.t('This computer\'s clock minus {0}.', skews.join('; '));
  if (worst > maxSkewMs) return failed(seen, l10n.t("This computer's clock is more than 5 minutes off: tokens look expired or not yet valid. Turn on automatic time synchronization."), 'you');
  return passed(seen);
};
