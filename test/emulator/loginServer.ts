import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { basicCredentials, Exchange, readBody, Reply, Route, send } from './http';
import { acrV1Route } from './acrV1';
import { countBackendRequest, RegistryBackend } from './backend';
import { maxPageSize, nextLink, pageSize, startAfter } from './paging';
import { isDigest, isRepositoryName } from './registryStorage';
import { grantScopes, hasAnyPermission, parseScope, Scope } from './permissions';
import { personalAccountsTenant } from './fixture';
import { Principal, RegistryState, registryNow, World } from './world';

/**
 * One registry's login server: the challenge, `/oauth2/exchange`, `/oauth2/token`, `/acr/v1/*`, and `/v2/*`
 * proxied to the registry's own docker-registry process, which checks the tokens itself. `backend` gives the
 * registry process, started by then or on this first call.
 */
export function loginServerRoute(world: World, registry: RegistryState, backend: () => Promise<RegistryBackend>): Route {
  let acrV1: Route | undefined;
  return async (exchange) => {
    // Every answer is dated by the login server's clock, which a test may skew (control.ts, /clock-skew).
    exchange.res.setHeader('Date', new Date(registryNow(registry)).toUTCString());
    const path = exchange.url.pathname;
    if (path === '/oauth2/exchange') return exchangeRoute(world, registry, exchange);
    if (path === '/oauth2/token') return tokenRoute(world, registry, exchange);
    if (path === '/acr/v1' || path.startsWith('/acr/v1/')) {
      acrV1 ??= acrV1Route(world, registry, await backend());
      return withApiVersion(await acrV1(exchange));
    }
    if (path === '/v2' || path.startsWith('/v2/')) return withApiVersion(await proxyRoute(world, registry, backend, exchange));
    return acrError(404, 'NOT_FOUND', 'the requested resource was not found');
  };
}

/** ACR names the registry API version on every `/acr/v1` and `/v2` answer, errors included; `/oauth2` answers go without. */
const apiVersion = { 'Docker-Distribution-Api-Version': 'registry/2.0' };

function withApiVersion(reply: Reply | undefined): Reply | undefined {
  return reply && { ...reply, headers: { ...reply.headers, ...apiVersion } };
}

/** ACR's answer to a path naming a repository that cannot exist (upper case, say): plain text, before any challenge. */
export const pageNotFound: Reply = { status: 404, text: '404 page not found\n' };

export function challenge(registry: RegistryState, scope?: Scope): Reply {
  const realm = `https://${registry.loginServer}/oauth2/token`;
  const scopeText = scope ? `,scope="${scope.type}:${scope.name}:${scope.actions.join(',')}"` : '';
  return {
    status: 401,
    // Spelled as ACR's Go servers send them (D1 shows `Www-Authenticate:`), for scripts that grep for it.
    headers: { 'Www-Authenticate': `Bearer realm="${realm}",service="${registry.loginServer}"${scopeText}`, ...apiVersion },
    json: {
      errors: [
        {
          code: 'UNAUTHORIZED',
          message: 'authentication required',
          detail: scope ? scope.actions.map((action) => ({ Type: scope.type, Name: scope.name, Action: action })) : null,
        },
      ],
    },
  };
}

export function acrError(status: number, code: string, message: string): Reply {
  return { status, json: { errors: [{ code, message, detail: null }] } };
}

async function exchangeRoute(world: World, registry: RegistryState, exchange: Exchange): Promise<Reply> {
  if (exchange.req.method !== 'POST') return acrError(405, 'UNSUPPORTED', 'The operation is unsupported.');
  const form = await exchange.form();
  const grantType = form.get('grant_type');
  if (grantType !== 'access_token' && grantType !== 'access_token_refresh_token') {
    return acrError(400, 'UNSUPPORTED', `grant_type "${grantType ?? ''}" is not supported; use access_token`);
  }
  if (form.get('service') !== registry.loginServer) return acrError(400, 'INVALID_SERVICE', `service must be ${registry.loginServer}`);
  const entraToken = form.get('access_token') ?? '';
  const jti = world.entraJti(entraToken);
  if (jti) exchange.entry.entraTokenJtis = [...(exchange.entry.entraTokenJtis ?? []), jti];
  const claims = world.verifyEntraToken(entraToken);
  if (!claims) return acrError(401, 'UNAUTHORIZED', 'the access token is invalid or expired');
  // docs/protocol.md section 3: personal Microsoft accounts are refused, whatever their roles.
  if (claims.tid === personalAccountsTenant) {
    return acrError(401, 'UNAUTHORIZED', 'the access token is for a personal Microsoft account (identity provider live.com), which Azure Container Registry does not accept; use a work or school account');
  }
  const tenant = form.get('tenant');
  if ((tenant && tenant !== claims.tid) || claims.tid !== registry.tenantId) {
    return acrError(401, 'UNAUTHORIZED', 'the access token was issued for another tenant');
  }
  if (world.isArmAudience(claims.aud)) {
    if (!registry.armAudienceTokens) {
      return acrError(401, 'UNAUTHORIZED', 'ARM-audience tokens are disabled for this registry (azureADAuthenticationAsArmPolicy); use an ACR-audience token');
    }
  } else if (!world.isAcrAudience(claims.aud)) {
    return acrError(401, 'UNAUTHORIZED', 'the access token has an audience this registry does not accept');
  }
  const identity = world.identityByObjectId(String(claims.oid));
  if (!identity) return acrError(401, 'UNAUTHORIZED', 'unknown principal');
  const principal = world.principalFromIdentity(registry, identity);
  exchange.entry.caller = principal.caller;
  if (!hasAnyPermission(principal.permissions)) {
    return acrError(403, 'DENIED', `the principal ${identity.objectId} has no permission on registry ${registry.name}`);
  }
  return { status: 200, json: { refresh_token: world.mintAcrToken(registry, principal, 'refresh_token') } };
}

async function tokenRoute(world: World, registry: RegistryState, exchange: Exchange): Promise<Reply> {
  const { req, url } = exchange;
  let params: URLSearchParams;
  let principal: Principal | undefined;
  if (req.method === 'GET') {
    params = url.searchParams;
    const basic = basicCredentials(req);
    if (!basic) return acrError(401, 'UNAUTHORIZED', 'authentication required');
    principal = world.principalFromPassword(registry, basic.username, basic.password);
  } else if (req.method === 'POST') {
    params = await exchange.form();
    const grantType = params.get('grant_type');
    if (grantType === 'refresh_token') {
      principal = world.principalFromAcrJwt(registry, params.get('refresh_token') ?? '');
    } else if (grantType === 'password') {
      principal = world.principalFromPassword(registry, params.get('username') ?? '', params.get('password') ?? '');
    } else {
      return acrError(400, 'UNSUPPORTED', `grant_type "${grantType ?? ''}" is not supported`);
    }
  } else {
    return acrError(405, 'UNSUPPORTED', 'The operation is unsupported.');
  }
  if (params.get('service') !== registry.loginServer) return acrError(400, 'INVALID_SERVICE', `service must be ${registry.loginServer}`);
  if (!principal) return acrError(401, 'UNAUTHORIZED', 'invalid credentials');
  exchange.entry.caller = principal.caller;
  if (!hasAnyPermission(principal.permissions)) return acrError(401, 'UNAUTHORIZED', `${principal.caller} has no permission on registry ${registry.name}`);
  const scopes = params
    .getAll('scope')
    .flatMap((value) => value.split(' '))
    .map(parseScope)
    .filter((scope): scope is Scope => scope !== undefined);
  const access = grantScopes(principal.permissions, scopes);
  return { status: 200, json: { access_token: world.mintAcrToken(registry, principal, 'access_token', { access }) } };
}

/** What a /v2 request needs, in the Docker scope grammar; undefined for the base `/v2/`. */
export function scopesForRequest(method: string, url: URL): Scope[] {
  const path = decodedPath(url);
  if (path === '/v2/_catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(path);
  if (!match) return [];
  const action = method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'push';
  const scopes: Scope[] = [{ type: 'repository', name: match[1], actions: action === 'push' ? ['pull', 'push'] : [action] }];
  const mountFrom = url.searchParams.get('from');
  if (mountFrom) scopes.push({ type: 'repository', name: mountFrom, actions: ['pull'] });
  return scopes;
}

async function proxyRoute(world: World, registry: RegistryState, startedBackend: () => Promise<RegistryBackend>, exchange: Exchange): Promise<Reply | undefined> {
  const { req, res, url } = exchange;
  const method = req.method ?? 'GET';
  const named = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(decodedPath(url))?.[1];
  if (named !== undefined && !isRepositoryName(named) && (method === 'GET' || method === 'HEAD')) return pageNotFound;
  const headers = { ...req.headers };
  const basic = basicCredentials(req);
  if (basic) {
    // The registry understands only bearer tokens: turn the caller's rights into one for this request.
    const principal = world.principalFromPassword(registry, basic.username, basic.password);
    const scopes = scopesForRequest(method, url);
    if (!principal) return challenge(registry, scopes[0]);
    exchange.entry.caller = principal.caller;
    headers.authorization = `Bearer ${world.mintAcrToken(registry, principal, 'access_token', { access: grantScopes(principal.permissions, scopes) })}`;
  } else if (!headers.authorization) {
    return challenge(registry, scopesForRequest(method, url)[0]);
  }
  headers['x-forwarded-proto'] = 'https';

  const backend = await startedBackend();
  const write = await prepareWrite(backend, exchange);
  if (write && 'status' in write) return write;
  let path = req.url ?? url.pathname;
  const catalog = method === 'GET' && url.pathname === '/v2/_catalog';
  if (catalog && url.searchParams.has('n')) {
    // ACR caps a page at 1,000 (and Debian's registry refuses more).
    const query = new URLSearchParams(url.search);
    query.set('n', String(pageSize(url.searchParams.get('n'))));
    path = `${url.pathname}?${query.toString()}`;
  }
  const tagList = method === 'GET' && /^\/v2\/.+\/tags\/list$/.test(url.pathname);
  countBackendRequest(exchange.entry);
  return new Promise<undefined>((resolve) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: backend.port, method, path, headers }, (response) => {
      const status = response.statusCode ?? 502;
      if (write) noteWrite(backend, method, url, write, status, response.headers['docker-content-digest']);
      if (tagList && status === 200) {
        readBody(response)
          .then((body) => send(res, pageTagList(url, JSON.parse(body.toString()) as TagList)))
          .catch(() => res.destroy())
          .finally(() => resolve(undefined));
        return;
      }
      // Raw headers keep the registry's spelling (`Link:`), which the documented shell loops grep for; the
      // registry process's `Date` gives way to the login server's.
      const headers = withoutDate(response.rawHeaders);
      res.writeHead(status, catalog ? acrCatalogLink(headers, url) : headers);
      response.pipe(res);
      response.on('end', () => resolve(undefined));
      response.on('error', () => {
        res.destroy();
        resolve(undefined);
      });
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `registry unavailable: ${error.message}`, detail: null }] }));
      } else {
        res.destroy();
      }
      resolve(undefined);
    });
    if (write?.body) upstream.end(write.body);
    else req.pipe(upstream);
  });
}

/**
 * The path with percent-escapes decoded, as the registry reads it: clients such as @azure/container-registry
 * send `/v2/team%2Fapi/manifests/sha256%3A...`.
 */
function decodedPath(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
}

interface Write {
  repository: string;
  /** The manifest pushed, read whole so its digest is known before the registry stores it. */
  body?: Buffer;
  manifestDigest?: string;
}

/**
 * Before a request that changes a repository reaches the registry: makes the storage it touches the run's
 * own (registryStorage.ts), which needs the digests it links and, for a manifest push, the manifest itself.
 * A write to a name the emulator cannot place in storage is refused, as the registry would refuse it.
 */
async function prepareWrite(backend: RegistryBackend, exchange: Exchange): Promise<Write | Reply | undefined> {
  const method = exchange.req.method ?? 'GET';
  const match = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(decodedPath(exchange.url));
  if (method === 'GET' || method === 'HEAD' || !match) return undefined;
  const [, repository, kind, rest] = match;
  if (!isRepositoryName(repository)) return acrError(400, 'NAME_INVALID', `invalid repository name: ${repository}`);
  const params = exchange.url.searchParams;
  const digests = [rest, params.get('digest') ?? '', params.get('mount') ?? ''].filter(isDigest);
  if (kind === 'manifests' && method === 'PUT') {
    const body = await exchange.body();
    const manifestDigest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    await backend.storage.prepareWrite(repository, { tag: isDigest(rest) ? undefined : rest, digests: [...digests, manifestDigest] });
    return { repository, body, manifestDigest };
  }
  await backend.storage.prepareWrite(repository, { digests });
  return { repository };
}

/** Keeps the index true after the registry answered a manifest push or delete. */
function noteWrite(backend: RegistryBackend, method: string, url: URL, write: Write, status: number, digestHeader: string | string[] | undefined): void {
  const reference = /\/manifests\/([^/]+)$/.exec(decodedPath(url))?.[1];
  if (!reference) return;
  if (method === 'PUT' && status === 201) {
    const digest = typeof digestHeader === 'string' ? digestHeader : (write.manifestDigest ?? reference);
    backend.index.notePush(write.repository, reference, digest, mediaTypeOf(write.body));
  } else if (method === 'DELETE' && status === 202) {
    backend.index.noteManifestDeleted(write.repository, reference);
  }
}

function mediaTypeOf(manifest: Buffer | undefined): string | undefined {
  try {
    const parsed = JSON.parse(manifest?.toString() ?? '') as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}

function withoutDate(rawHeaders: string[]): string[] {
  return rawHeaders.flatMap((value, i) => (i % 2 === 0 ? (value.toLowerCase() === 'date' ? [] : [value, rawHeaders[i + 1]]) : []));
}

/** The registry's catalog `Link` in ACR's form (keeping the request's whole query), in place in raw headers. */
function acrCatalogLink(rawHeaders: string[], url: URL): string[] {
  const headers = [...rawHeaders];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].toLowerCase() !== 'link') continue;
    const next = /<([^>]*)>/.exec(headers[i + 1])?.[1];
    const params = new URL(next ?? '', 'http://registry').searchParams;
    const last = params.get('last');
    if (last) headers[i + 1] = nextLink(url, last, pageSize(params.get('n')));
  }
  return headers;
}

interface TagList {
  name: string;
  tags: string[] | null;
}

/**
 * ACR pages `tags/list` (D1: sorted, `n` at a time after `last`, a `Link` to the next page, at most 1,000);
 * Debian's docker-registry 2.8 ignores `n` and `last` there, so the paging happens here.
 */
function pageTagList(url: URL, list: TagList): Reply {
  const sorted = [...(list.tags ?? [])].sort();
  const start = startAfter(sorted, url.searchParams.get('last'));
  const n = pageSize(url.searchParams.get('n'), maxPageSize);
  const tags = sorted.slice(start, start + n);
  const headers: Record<string, string> = { ...apiVersion };
  if (start + n < sorted.length) headers.Link = nextLink(url, tags[tags.length - 1], n);
  return { status: 200, headers, json: { name: list.name, tags } };
}
