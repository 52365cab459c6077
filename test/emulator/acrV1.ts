import { RegistryBackend, isRepositoryName } from './backend';
import { basicCredentials, Exchange, Reply, Route } from './http';
import { acrError, challenge } from './loginServer';
import { allowedActions, Permissions, permissionsFromAccess, AccessEntry, RepositoryAction, Scope } from './permissions';
import { RegistryState, World } from './world';

const changeableAttributes = { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true };

/** A tag as the registry itself knows it: the digest and media type come from a HEAD of its manifest. */
interface TagInfo {
  name: string;
  digest: string;
  mediaType: string;
  createdTime: string;
}

/**
 * ACR's own data-plane API (`/acr/v1`), in the shapes @azure/container-registry reads (api-version 2021-07-01).
 * Answers come from the registry process itself, so they show exactly what is stored.
 */
export function acrV1Route(world: World, registry: RegistryState, registryBackend: RegistryBackend): Route {
  const backend = async (path: string, scope: string, method = 'GET'): Promise<Response> => {
    const [type, name, actions] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':')), scope.slice(scope.lastIndexOf(':') + 1)];
    return registryBackend.call(method, path, { type, name, actions: actions.split(',') });
  };

  const tagsOf = async (repository: string): Promise<TagInfo[] | undefined> => {
    const response = await backend(`/v2/${repository}/tags/list`, `repository:${repository}:pull`);
    if (response.status === 404) return undefined;
    const { tags } = (await response.json()) as { tags: string[] | null };
    const infos: TagInfo[] = [];
    for (const tag of tags ?? []) {
      const head = await backend(`/v2/${repository}/manifests/${tag}`, `repository:${repository}:pull`, 'HEAD');
      if (!head.ok) continue;
      infos.push({
        name: tag,
        digest: head.headers.get('docker-content-digest') ?? '',
        mediaType: head.headers.get('content-type') ?? '',
        createdTime: registry.tagTimes.get(`${repository}:${tag}`) ?? registry.creationDate,
      });
    }
    return infos;
  };

  const manifestDetails = async (repository: string, digest: string, tags: TagInfo[]): Promise<Record<string, unknown> | undefined> => {
    const response = await backend(`/v2/${repository}/manifests/${digest}`, `repository:${repository}:pull`);
    if (!response.ok) return undefined;
    const body = (await response.json()) as { config?: { digest: string; size: number }; layers?: Array<{ size: number }>; mediaType?: string };
    let architecture: string | undefined;
    let os: string | undefined;
    if (body.config) {
      const config = await backend(`/v2/${repository}/blobs/${body.config.digest}`, `repository:${repository}:pull`);
      if (config.ok) ({ architecture, os } = (await config.json()) as { architecture?: string; os?: string });
    }
    const own = tags.filter((tag) => tag.digest === digest);
    const times = own.map((tag) => tag.createdTime).sort();
    return {
      digest,
      imageSize: (body.config?.size ?? 0) + (body.layers ?? []).reduce((sum, layer) => sum + layer.size, 0),
      createdTime: times[0] ?? registry.creationDate,
      lastUpdateTime: times[times.length - 1] ?? registry.creationDate,
      architecture,
      os,
      mediaType: body.mediaType ?? response.headers.get('content-type'),
      tags: own.map((tag) => tag.name),
      changeableAttributes: { ...changeableAttributes, quarantineState: 'Passed' },
    };
  };

  return async (exchange) => {
    const path = exchange.url.pathname;
    if (exchange.req.method === 'DELETE') return deleteRoute(world, registry, registryBackend, exchange);
    if (exchange.req.method !== 'GET') return acrError(405, 'UNSUPPORTED', 'The operation is unsupported.');
    if (path === '/acr/v1/_catalog') {
      const scope: Scope = { type: 'registry', name: 'catalog', actions: ['*'] };
      const permissions = callerPermissions(world, registry, exchange);
      if (!permissions?.catalog) return challenge(registry, scope);
      const n = clamp(exchange.url.searchParams.get('n'), 100);
      const last = exchange.url.searchParams.get('last');
      const query = new URLSearchParams({ n: String(n) });
      if (last) query.set('last', last);
      const response = await backend(`/v2/_catalog?${query.toString()}`, 'registry:catalog:*');
      const { repositories } = (await response.json()) as { repositories: string[] };
      const headers: Record<string, string> = {};
      const next = /[?&]last=([^&>]+)/.exec(response.headers.get('link') ?? '')?.[1];
      if (next) headers.link = `</acr/v1/_catalog?last=${next}&n=${n}&orderby=>; rel="next"`;
      return { status: 200, headers, json: { repositories } };
    }

    const match = /^\/acr\/v1\/(.+?)(?:\/(_tags|_manifests)(?:\/([^/]+))?)?$/.exec(path);
    if (!match) return acrError(404, 'NOT_FOUND', 'the requested resource was not found');
    // Clients encode the slash of a repository name (team%2Fapi).
    const [repository, reference] = [decodeURIComponent(match[1]), match[3] && decodeURIComponent(match[3])];
    const kind = match[2];
    const scope: Scope = { type: 'repository', name: repository, actions: ['metadata_read'] };
    const permissions = callerPermissions(world, registry, exchange);
    if (!permissions || !allowedActions(permissions, repository).has('metadata_read')) return challenge(registry, scope);
    const tags = await tagsOf(repository);
    if (!tags) return repositoryUnknown(repository);
    const base = { registry: registry.loginServer, imageName: repository };

    if (!kind) {
      const times = tags.map((tag) => tag.createdTime).sort();
      return {
        status: 200,
        json: {
          ...base,
          createdTime: times[0] ?? registry.creationDate,
          lastUpdateTime: times[times.length - 1] ?? registry.creationDate,
          manifestCount: new Set(tags.map((tag) => tag.digest)).size,
          tagCount: tags.length,
          changeableAttributes: { ...changeableAttributes, teleportEnabled: false },
        },
      };
    }

    const describeTag = (tag: TagInfo): Record<string, unknown> => ({
      name: tag.name,
      digest: tag.digest,
      createdTime: tag.createdTime,
      lastUpdateTime: tag.createdTime,
      signed: false,
      changeableAttributes,
    });

    if (kind === '_tags') {
      if (reference) {
        const tag = tags.find((candidate) => candidate.name === reference);
        if (!tag) return { status: 404, json: { errors: [{ code: 'TAG_UNKNOWN', message: 'the specified tag does not exist', detail: null }] } };
        return { status: 200, json: { ...base, tag: describeTag(tag) } };
      }
      const page = pageOf(exchange, tags, (tag) => tag.name, (tag) => tag.createdTime);
      const headers: Record<string, string> = {};
      if (page.next) headers.link = `</acr/v1/${repository}/_tags?last=${encodeURIComponent(page.next)}&n=${page.n}&orderby=${page.orderby}>; rel="next"`;
      return { status: 200, headers, json: { ...base, tags: page.items.map(describeTag) } };
    }

    const digests = [...new Set(tags.map((tag) => tag.digest))];
    if (reference) {
      if (!digests.includes(reference)) return { status: 404, json: { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: null }] } };
      return { status: 200, json: { ...base, manifest: await manifestDetails(repository, reference, tags) } };
    }
    const manifests: Array<Record<string, unknown>> = [];
    for (const digest of digests) {
      const details = await manifestDetails(repository, digest, tags);
      if (details) manifests.push(details);
    }
    const page = pageOf(exchange, manifests, (manifest) => String(manifest.digest), (manifest) => String(manifest.lastUpdateTime));
    const headers: Record<string, string> = {};
    if (page.next) headers.link = `</acr/v1/${repository}/_manifests?last=${encodeURIComponent(page.next)}&n=${page.n}&orderby=${page.orderby}>; rel="next"`;
    return { status: 200, headers, json: { ...base, manifests: page.items } };
  };
}

const repositoryUnknown = (repository: string): Reply => ({ status: 404, json: { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name: repository } }] } });

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
  if (!(await backend.hasRepository(repository))) return repositoryUnknown(repository);
  if (tag !== undefined) {
    if (!(await backend.hasTag(repository, tag))) return { status: 404, json: { errors: [{ code: 'TAG_UNKNOWN', message: 'the specified tag does not exist', detail: null }] } };
    await backend.removeTag(repository, tag);
    registry.tagTimes.delete(`${repository}:${tag}`);
    return { status: 202 };
  }
  const { tags, digests } = await backend.repositoryContents(repository);
  await backend.removeRepository(repository);
  for (const removed of tags) registry.tagTimes.delete(`${repository}:${removed}`);
  return { status: 202, json: { manifestsDeleted: digests, tagsDeleted: tags } };
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

function clamp(text: string | null, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : fallback;
}

/** ACR's paging: sorted by name (or by time with `orderby`), resumed after `last`, `n` at a time. */
function pageOf<T>(exchange: Exchange, items: T[], key: (item: T) => string, time: (item: T) => string): { items: T[]; next?: string; n: number; orderby: string } {
  const params = exchange.url.searchParams;
  const n = clamp(params.get('n'), 100);
  const orderby = params.get('orderby') ?? '';
  const sorted = [...items].sort((a, b) => {
    if (orderby === 'timedesc') return time(b).localeCompare(time(a)) || key(a).localeCompare(key(b));
    if (orderby === 'timeasc') return time(a).localeCompare(time(b)) || key(a).localeCompare(key(b));
    return key(a).localeCompare(key(b));
  });
  const last = params.get('last');
  const start = last ? sorted.findIndex((item) => key(item) === last) + 1 : 0;
  const page = sorted.slice(start, start + n);
  const more = start + n < sorted.length;
  return { items: page, next: more && page.length > 0 ? key(page[page.length - 1]) : undefined, n, orderby };
}
