import { RegistryBackend } from './backend';
import { basicCredentials, Exchange, Reply, Route } from './http';
import { acrError, challenge, pageNotFound } from './loginServer';
import { nextLink, pageSize, startAfter } from './paging';
import { allowedActions, Permissions, permissionsFromAccess, AccessEntry, RepositoryAction } from './permissions';
import { ManifestRecord, RepositoryRecord, TagRecord } from './registryIndex';
import { isRepositoryName } from './registryStorage';
import { RegistryState, World } from './world';

const changeableAttributes = { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true };

const repositoryUnknown = (repository: string): Reply => ({ status: 404, json: { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name: repository } }] } });
const tagUnknown: Reply = { status: 404, json: { errors: [{ code: 'TAG_UNKNOWN', message: 'the specified tag does not exist', detail: null }] } };
const manifestUnknown: Reply = { status: 404, json: { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: null }] } };

/**
 * ACR's own data-plane API (`/acr/v1`), in the shapes @azure/container-registry reads (api-version 2021-07-01).
 * Answers come from the index of what the registry process stores (registryIndex.ts), so a page costs the
 * same however large the registry or repository is.
 */
export function acrV1Route(world: World, registry: RegistryState, backend: RegistryBackend): Route {
  const index = backend.index;
  return async (exchange) => {
    const { url, entry } = exchange;
    const path = url.pathname;
    if (exchange.req.method === 'DELETE') return deleteRoute(world, registry, backend, exchange);
    if (exchange.req.method !== 'GET') return acrError(405, 'UNSUPPORTED', 'The operation is unsupported.');
    if (path === '/acr/v1/_catalog') {
      const permissions = callerPermissions(world, registry, exchange);
      if (!permissions?.catalog) return challenge(registry, { type: 'registry', name: 'catalog', actions: ['*'] });
      const names = await index.repositoryNames(entry);
      const n = pageSize(url.searchParams.get('n'));
      const start = startAfter(names, url.searchParams.get('last'));
      const repositories = names.slice(start, start + n);
      const headers: Record<string, string> = {};
      if (start + n < names.length) headers.link = nextLink(url, repositories[repositories.length - 1], n);
      return { status: 200, headers, json: { repositories } };
    }

    const match = /^\/acr\/v1\/(.+?)(?:\/(_tags|_manifests)(?:\/([^/]+))?)?$/.exec(path);
    if (!match) return acrError(404, 'NOT_FOUND', 'the requested resource was not found');
    // Clients encode the slash of a repository name (team%2Fapi).
    const [repository, reference] = [decodeURIComponent(match[1]), match[3] && decodeURIComponent(match[3])];
    const kind = match[2];
    // A name that is not a repository name (upper case, say) gets ACR's plain-text 404, before any challenge.
    if (!isRepositoryName(repository)) return pageNotFound;
    if (!callerMay(world, registry, exchange, repository, 'metadata_read')) return challenge(registry, { type: 'repository', name: repository, actions: ['metadata_read'] });
    const record = await index.repository(repository, entry);
    if (!record) return repositoryUnknown(repository);
    const base = { registry: registry.loginServer, imageName: repository };

    if (!kind) return { status: 200, json: { ...base, ...repositoryProperties(registry, record) } };

    if (kind === '_tags') {
      if (reference) {
        const tag = record.tags.get(reference);
        return tag ? { status: 200, json: { ...base, tag: describeTag(tag) } } : tagUnknown;
      }
      const page = pageOf(url, [...record.tags.values()], (tag) => tag.name);
      if ('status' in page) return page;
      const headers: Record<string, string> = {};
      if (page.next) headers.link = nextLink(url, page.next, page.n);
      return { status: 200, headers, json: { ...base, tags: page.items.map(describeTag) } };
    }

    const tagsOf = (digest: string): string[] => [...record.tags.values()].filter((tag) => tag.digest === digest).map((tag) => tag.name).sort();
    /**
     * A manifest's attributes as ACR gives them: `tags` only when it has some, and an index's `references`
     * (each child's platform) only when asked for that one manifest, never in a page.
     */
    const describe = async (manifest: ManifestRecord, tags: string[], withReferences: boolean): Promise<Record<string, unknown> | undefined> => {
      const details = await index.manifestDetails(repository, manifest.digest, entry);
      if (!details) return undefined;
      return {
        digest: manifest.digest,
        imageSize: details.imageSize,
        createdTime: manifest.createdTime,
        lastUpdateTime: manifest.lastUpdateTime,
        architecture: details.architecture,
        os: details.os,
        mediaType: details.mediaType,
        tags: tags.length > 0 ? tags : undefined,
        changeableAttributes,
        references: withReferences ? details.references : undefined,
      };
    };
    if (reference) {
      const manifest = record.manifests.get(reference);
      const described = manifest && (await describe(manifest, tagsOf(reference), true));
      return described ? { status: 200, json: { ...base, manifest: described } } : manifestUnknown;
    }
    const page = pageOf(url, [...record.manifests.values()], (manifest) => manifest.digest);
    if ('status' in page) return page;
    // Tags of just this page's manifests, from one pass over the repository's tags.
    const pageTags = new Map<string, string[]>(page.items.map((manifest) => [manifest.digest, []]));
    for (const tag of record.tags.values()) pageTags.get(tag.digest)?.push(tag.name);
    const manifests: Array<Record<string, unknown>> = [];
    for (const manifest of page.items) {
      const described = await describe(manifest, (pageTags.get(manifest.digest) ?? []).sort(), false);
      if (described) manifests.push(described);
    }
    const headers: Record<string, string> = {};
    if (page.next) headers.link = nextLink(url, page.next, page.n);
    return { status: 200, headers, json: { ...base, manifests } };
  };
}

function repositoryProperties(registry: RegistryState, record: RepositoryRecord): Record<string, unknown> {
  const times = [...record.manifests.values()].flatMap((manifest) => [manifest.createdTime, manifest.lastUpdateTime]).sort();
  return {
    createdTime: times[0] ?? registry.creationDate,
    lastUpdateTime: times[times.length - 1] ?? registry.creationDate,
    manifestCount: record.manifests.size,
    tagCount: record.tags.size,
    changeableAttributes,
  };
}

function describeTag(tag: TagRecord): Record<string, unknown> {
  return { name: tag.name, digest: tag.digest, createdTime: tag.createdTime, lastUpdateTime: tag.lastUpdateTime, signed: false, changeableAttributes };
}

/**
 * One page of tags or manifests, ACR's way: by name (or digest), or with `orderby=timedesc|timeasc` by
 * lastUpdateTime (name breaks ties); `n` at a time, after `last`. In name order `last` need not exist (a client
 * can seek to a prefix); in time order the page resumes after the item named `last`, and a `last` that no longer
 * exists ends the listing rather than starting it over, so a client can never loop.
 */
function pageOf<T extends { lastUpdateTime: string }>(url: URL, items: T[], key: (item: T) => string): { items: T[]; next?: string; n: number } | Reply {
  const params = url.searchParams;
  const n = pageSize(params.get('n'));
  const orderby = params.get('orderby') ?? '';
  if (!['', 'timedesc', 'timeasc'].includes(orderby)) return acrError(400, 'UNSUPPORTED', `orderby must be timedesc or timeasc, not "${orderby}"`);
  const last = params.get('last');
  let sorted: T[];
  let start: number;
  if (orderby === '') {
    sorted = items.sort((a, b) => compare(key(a), key(b)));
    start = startAfter(sorted.map(key), last);
  } else {
    const direction = orderby === 'timedesc' ? -1 : 1;
    sorted = items.sort((a, b) => direction * compare(a.lastUpdateTime, b.lastUpdateTime) || compare(key(a), key(b)));
    start = last ? sorted.findIndex((item) => key(item) === last) + 1 : 0;
    if (last && start === 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + n);
  const more = start + n < sorted.length;
  return { items: page, next: more && page.length > 0 ? key(page[page.length - 1]) : undefined, n };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `DELETE /acr/v1/<repo>/_tags/<tag>` (untag) and `DELETE /acr/v1/<repo>` (delete the repository), which need
 * the `delete` action (docs/protocol.md section 7). Distribution 2.8 has no API for either, so they act on the
 * registry's storage; the registry itself then no longer lists the tag or the repository.
 */
async function deleteRoute(world: World, registry: RegistryState, backend: RegistryBackend, exchange: Exchange): Promise<Reply> {
  const match = /^\/acr\/v1\/(.+?)(?:\/_tags\/([^/]+))?$/.exec(exchange.url.pathname);
  if (!match || /\/_(tags|manifests)(\/|$)/.test(match[1])) return acrError(405, 'UNSUPPORTED', 'The operation is unsupported.');
  const [repository, tag] = [decodeURIComponent(match[1]), match[2] && decodeURIComponent(match[2])];
  if (!isRepositoryName(repository)) return acrError(400, 'NAME_INVALID', `invalid repository name: ${repository}`);
  if (!callerMay(world, registry, exchange, repository, 'delete')) return challenge(registry, { type: 'repository', name: repository, actions: ['delete'] });
  const record = await backend.index.repository(repository, exchange.entry);
  if (!record) return repositoryUnknown(repository);
  if (tag !== undefined) {
    if (!record.tags.has(tag)) return tagUnknown;
    await backend.storage.removeTag(repository, tag);
    backend.index.noteUntagged(repository, tag);
    return { status: 202 };
  }
  await backend.storage.removeRepository(repository);
  backend.index.noteRepositoryDeleted(repository);
  return { status: 202, json: { manifestsDeleted: [...record.manifests.keys()].sort(), tagsDeleted: [...record.tags.keys()].sort() } };
}

function callerMay(world: World, registry: RegistryState, exchange: Exchange, repository: string, action: RepositoryAction): boolean {
  const permissions = callerPermissions(world, registry, exchange);
  return permissions !== undefined && allowedActions(permissions, repository).has(action);
}

/** Rights of the caller of an /acr/v1 request: a bearer access token from /oauth2/token, or Basic credentials. */
function callerPermissions(world: World, registry: RegistryState, exchange: Exchange): Permissions | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(exchange.req.headers.authorization ?? '')?.[1];
  if (bearer) {
    const claims = world.verifyAcrJwt(registry, bearer);
    if (claims?.grant_type !== 'access_token' || !Array.isArray(claims.access)) return undefined;
    exchange.entry.caller = 'access-token';
    return permissionsFromAccess(claims.access as AccessEntry[]);
  }
  const basic = basicCredentials(exchange.req);
  if (!basic) return undefined;
  const principal = world.principalFromPassword(registry, basic.username, basic.password);
  if (principal) exchange.entry.caller = principal.caller;
  return principal?.permissions;
}
