import { AcrError } from './errors';
import { defaultRequestLimits, RequestLimits, requestRegistry, RegistryResponse } from './http';
import { grantedActions } from './jwt';
import { nextPageLink } from './link';
import { failure } from './protocol';

/** One page of a listing, and where the next one is (a path and query on the same registry), if any. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

export interface TagSummary {
  readonly name: string;
  readonly digest: string;
  /** Milliseconds since the epoch, when the registry says. */
  readonly createdTime?: number;
  readonly lastUpdateTime?: number;
}

export interface ManifestSummary {
  readonly digest: string;
  readonly imageSize?: number;
  readonly mediaType?: string;
  /**
   * `os/architecture` of an image, or of each image of an index; undefined for an index whose answer did not
   * list them (ACR's pages of manifests leave an index's `references` out; its own `_manifests/<digest>` has them).
   */
  readonly platforms?: readonly string[];
  readonly tags: readonly string[];
  readonly createdTime?: number;
  readonly lastUpdateTime?: number;
}

export interface RepositorySummary {
  readonly tagCount: number;
  readonly manifestCount: number;
}

/** An ACR access token (a bearer token) for these scopes. */
export type AccessTokenSource = (scopes: readonly string[], signal?: AbortSignal) => Promise<string>;

export interface RegistryContentOptions {
  /** `host` or `host:port`. */
  readonly loginServer: string;
  readonly accessToken: AccessTokenSource;
  /** The registry grants data access by repository roles (ABAC), which changes the advice for a refusal. */
  readonly abac?: boolean;
  /** Where `abac` is not known (a registry not listed by ARM): whether the sign-in's refresh token says ABAC, asked only to explain a refusal. */
  readonly abacFromToken?: () => Promise<boolean>;
  /** Whether the reader may assign roles on the registry, asked only when a refusal is to be explained. */
  readonly mayAssignRoles?: () => Promise<boolean>;
  readonly limits?: Partial<RequestLimits>;
}

const catalogScope = 'registry:catalog:*';
const indexMediaTypes = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const manifestAccept = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * What a registry holds, a page at a time, through ACR's own `/acr/v1` API (digests and dates in one call per
 * page) with the standard `/v2` API where `/acr/v1` is refused; and the deletes (docs/protocol.md section 7).
 * Nothing here loads a whole listing.
 */
export class RegistryContent {
  private readonly limits: RequestLimits;
  readonly loginServer: string;

  constructor(private readonly options: RegistryContentOptions) {
    this.loginServer = options.loginServer;
    this.limits = { ...defaultRequestLimits, ...options.limits };
  }

  /**
   * A page of repository names, sorted. `after` seeks: names lexically after it (`last`), so a name prefix
   * costs one request however large the registry. `next` continues a listing.
   */
  async repositories(page: { pageSize: number; next?: string; after?: string }, signal?: AbortSignal): Promise<Page<string>> {
    const path = page.next ?? `/acr/v1/_catalog?${query({ n: page.pageSize, last: page.after })}`;
    let response = await this.request('GET', path, [catalogScope], signal, [404, 405]);
    if ((response.status === 404 || response.status === 405) && path.startsWith('/acr/v1/')) {
      // A registry without ACR's own API: the standard catalog has the same paging.
      response = await this.request('GET', path.replace('/acr/v1/_catalog', '/v2/_catalog'), [catalogScope], signal, [404]);
      // Without that one either, no repository is missing: the registry has no catalog to list.
      if (response.status === 404) throw this.malformed('neither /acr/v1/_catalog nor /v2/_catalog is there', response.correlationId);
    }
    const body = this.json(response) as { repositories?: unknown };
    return { items: this.strings(body.repositories ?? [], 'repositories'), next: this.next(response, path) };
  }

  /** A page of a repository's tags, newest first (by last update), each with its digest and times. */
  async tags(repository: string, page: { pageSize: number; next?: string }, signal?: AbortSignal): Promise<Page<TagSummary>> {
    const path = page.next ?? `/acr/v1/${repositoryPath(repository)}/_tags?${query({ n: page.pageSize, orderby: 'timedesc' })}`;
    const response = await this.request('GET', path, [`repository:${repository}:metadata_read`], signal);
    const body = this.json(response) as { tags?: unknown };
    const tags = this.array(body.tags ?? [], 'tags').map((tag): TagSummary => {
      const { name, digest, createdTime, lastUpdateTime } = (tag ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || typeof digest !== 'string') throw this.malformed('a tag without a name or digest');
      return { name, digest, createdTime: time(createdTime), lastUpdateTime: time(lastUpdateTime) };
    });
    return { items: tags, next: this.next(response, path) };
  }

  /** A page of a repository's manifests (newest first) with sizes and platforms, for the tags of a page. */
  async manifests(repository: string, page: { pageSize: number; next?: string }, signal?: AbortSignal): Promise<Page<ManifestSummary>> {
    const path = page.next ?? `/acr/v1/${repositoryPath(repository)}/_manifests?${query({ n: page.pageSize, orderby: 'timedesc' })}`;
    const response = await this.request('GET', path, [`repository:${repository}:metadata_read`], signal);
    const body = this.json(response) as { manifests?: unknown };
    return { items: this.array(body.manifests ?? [], 'manifests').map((manifest) => this.manifestSummary(manifest)), next: this.next(response, path) };
  }

  /** One manifest's properties: size, platforms, media type and every tag on it. */
  async manifest(repository: string, digest: string, signal?: AbortSignal): Promise<ManifestSummary> {
    const response = await this.request('GET', `/acr/v1/${repositoryPath(repository)}/_manifests/${this.digestPath(digest)}`, [`repository:${repository}:metadata_read`], signal);
    return this.manifestSummary((this.json(response) as { manifest?: unknown }).manifest);
  }

  async repository(repository: string, signal?: AbortSignal): Promise<RepositorySummary> {
    const response = await this.request('GET', `/acr/v1/${repositoryPath(repository)}`, [`repository:${repository}:metadata_read`], signal);
    const { tagCount, manifestCount } = this.json(response) as Record<string, unknown>;
    if (typeof tagCount !== 'number' || typeof manifestCount !== 'number') throw this.malformed('a repository without tag and manifest counts');
    return { tagCount, manifestCount };
  }

  /** The manifest document itself (as pulled), for reading. */
  async manifestDocument(repository: string, reference: string, signal?: AbortSignal): Promise<{ mediaType?: string; text: string }> {
    const response = await this.request('GET', `/v2/${repositoryPath(repository)}/manifests/${reference.includes(':') ? this.digestPath(reference) : encodeURIComponent(reference)}`, [`repository:${repository}:pull`], signal, [], {
      accept: manifestAccept,
    });
    this.json(response);
    return { mediaType: response.headers.get('content-type') ?? undefined, text: response.body };
  }

  /** Removes a tag; the image stays while other tags or its digest refer to it. */
  async untag(repository: string, tag: string, signal?: AbortSignal): Promise<void> {
    await this.request('DELETE', `/acr/v1/${repositoryPath(repository)}/_tags/${encodeURIComponent(tag)}`, [`repository:${repository}:delete`], signal);
  }

  /** Deletes an image by digest: every tag on it goes too. */
  async deleteImage(repository: string, digest: string, signal?: AbortSignal): Promise<void> {
    await this.request('DELETE', `/v2/${repositoryPath(repository)}/manifests/${this.digestPath(digest)}`, [`repository:${repository}:delete`], signal);
  }

  async deleteRepository(repository: string, signal?: AbortSignal): Promise<void> {
    await this.request('DELETE', `/acr/v1/${repositoryPath(repository)}`, [`repository:${repository}:delete`], signal);
  }

  /**
   * Whether the access token the caller gets for a scope grants all of it (false too when the registry gives it
   * no token at all, for want of any role there): asked before a change, so a refusal is said first.
   */
  async grants(scope: string, signal?: AbortSignal): Promise<boolean> {
    try {
      return granted(await this.options.accessToken([scope], signal), scope);
    } catch (error) {
      if (error instanceof AcrError && error.kind === 'noRole') return false;
      throw error;
    }
  }

  /**
   * One authorized request. A 401 with a token that does not grant the scope is `noRole` (the registry gave
   * what the identity has), and so is a token refused because the identity has no role there at all: both say
   * what the request was for, so the advice names the role for it. Statuses in `passThrough` are returned for
   * the caller to handle.
   */
  private async request(method: string, path: string, scopes: readonly string[], signal: AbortSignal | undefined, passThrough: readonly number[] = [], headers: Record<string, string> = {}): Promise<RegistryResponse> {
    const token = await this.options.accessToken(scopes, signal).catch(async (error: unknown) => {
      throw error instanceof AcrError && error.kind === 'noRole' ? await this.refusal(method, path, scopes, { correlationId: error.correlationId, cause: error }) : error;
    });
    const response = await requestRegistry(this.loginServer, `https://${this.loginServer}${path}`, { method, headers: { ...headers, authorization: `Bearer ${token}` } }, this.limits, signal);
    if (response.status >= 200 && response.status < 300) return response;
    if (passThrough.includes(response.status)) return response;
    const details = { correlationId: response.correlationId, abac: this.options.abac };
    if (response.status === 401 && !scopes.every((scope) => granted(token, scope))) throw await this.refusal(method, path, scopes, details);
    if (response.status === 404) throw new AcrError('notFound', this.loginServer, { ...details, detail: `${method} ${path.split('?')[0]}` });
    throw failure(this.loginServer, response, 'entra');
  }

  /** `noRole` for a request whose scopes were not granted: listing the catalog, deleting, or reading a repository. */
  private async refusal(method: string, path: string, scopes: readonly string[], details: { correlationId?: string; cause?: unknown }): Promise<AcrError> {
    const refused = scopes.includes(catalogScope) ? 'catalog' : method === 'DELETE' ? 'delete' : 'read';
    const repository = /^repository:(.+):[^:]*$/.exec(scopes[0])?.[1];
    const mayAssignRoles = (await this.options.mayAssignRoles?.().catch(() => false)) ?? false;
    const abac = this.options.abac ?? (await this.options.abacFromToken?.().catch(() => undefined));
    return new AcrError('noRole', this.loginServer, { ...details, abac, mayAssignRoles, refused, repository, detail: `${method} ${path.split('?')[0]} needs ${scopes.join(' ')}` });
  }

  /** The next page's path, unless there is none or the registry points back at the page just read. */
  private next(response: RegistryResponse, requested: string): string | undefined {
    const next = nextPageLink(response.headers.get('link'), `https://${this.loginServer}`);
    return next === requested ? undefined : next;
  }

  private json(response: RegistryResponse): unknown {
    try {
      const value = JSON.parse(response.body) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
    } catch {
      // Reported below without quoting the body.
    }
    throw this.malformed('the answer is not a JSON object', response.correlationId);
  }

  private array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) throw this.malformed(`${field} is not a list`);
    return value;
  }

  private strings(value: unknown, field: string): string[] {
    const items = this.array(value, field);
    if (!items.every((item) => typeof item === 'string')) throw this.malformed(`${field} holds something other than names`);
    return items;
  }

  private manifestSummary(value: unknown): ManifestSummary {
    const { digest, imageSize, mediaType, architecture, os, tags, references, createdTime, lastUpdateTime } = (value ?? {}) as Record<string, unknown>;
    if (typeof digest !== 'string') throw this.malformed('a manifest without a digest');
    const platform = (entry: Record<string, unknown>) => (typeof entry.os === 'string' && typeof entry.architecture === 'string' ? [`${entry.os}/${entry.architecture}`] : []);
    let platforms: string[] | undefined;
    if (Array.isArray(references)) platforms = [...new Set(references.flatMap((reference) => platform((reference ?? {}) as Record<string, unknown>)))];
    else if (typeof mediaType !== 'string' || !indexMediaTypes.has(mediaType)) platforms = platform({ os, architecture });
    return {
      digest,
      imageSize: typeof imageSize === 'number' ? imageSize : undefined,
      mediaType: typeof mediaType === 'string' ? mediaType : undefined,
      platforms,
      tags: Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [],
      createdTime: time(createdTime),
      lastUpdateTime: time(lastUpdateTime),
    };
  }

  /** A digest the registry gave, as registries expect it in a path: `sha256:<hex>`, its colon as it is. */
  private digestPath(digest: string): string {
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) throw this.malformed('a digest that is not one');
    return digest;
  }

  private malformed(detail: string, correlationId?: string): AcrError {
    return new AcrError('malformedResponse', this.loginServer, { detail, correlationId });
  }
}

/**
 * A `last` that seeks to the first repository name starting with `prefix`: repository names use only
 * a-z, 0-9 and . _ - /, all of which sort before `~`, so no other name falls between the two.
 */
export function lastBefore(prefix: string): string | undefined {
  const lower = prefix.toLowerCase();
  if (lower === '') return undefined;
  return `${lower.slice(0, -1)}${String.fromCharCode(lower.charCodeAt(lower.length - 1) - 1)}~`;
}

/** Whether an access token grants a scope such as `repository:team/api:pull` or `registry:catalog:*`. */
function granted(token: string, scope: string): boolean {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  const actions = grantedActions(token, scope.slice(0, first), scope.slice(first + 1, last));
  return scope
    .slice(last + 1)
    .split(',')
    .every((action) => actions.includes(action) || actions.includes('*'));
}

/** A repository name in a path: its slashes stay, everything else is encoded. */
function repositoryPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

function query(fields: Record<string, string | number | undefined>): string {
  return new URLSearchParams(Object.entries(fields).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]]))).toString();
}

function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}
