import { countStorageReads, RegistryBackend } from './backend';
import { LogEntry } from './requestLog';
import { RegistryState } from './world';

export interface TagRecord {
  name: string;
  digest: string;
  createdTime: string;
  lastUpdateTime: string;
}

export interface ManifestRecord {
  digest: string;
  createdTime: string;
  lastUpdateTime: string;
  /** Known once pushed through the emulator or described. */
  mediaType?: string;
}

export interface RepositoryRecord {
  readonly tags: Map<string, TagRecord>;
  readonly manifests: Map<string, ManifestRecord>;
}

/** What `_manifests` tells about an image beyond its digest; it never changes for a digest. */
export interface ManifestDetails {
  mediaType: string;
  imageSize: number;
  architecture?: string;
  os?: string;
  references?: Array<{ digest: string; architecture?: string; os?: string }>;
}

interface ManifestBody {
  mediaType?: string;
  config?: { digest: string; size: number };
  layers?: Array<{ size: number }>;
  manifests?: Array<{ digest: string; size: number; platform?: { architecture?: string; os?: string } }>;
}

/**
 * What one registry holds, read from its storage once (the repositories, and per repository the tags and
 * manifests) and then kept true by the changes the emulator sees: manifest pushes and deletes through the
 * proxy, untag and repository deletes through `/acr/v1`. `/acr/v1` answers pages from here, so a page costs
 * no work per tag or manifest of the whole repository.
 */
export class RegistryIndex {
  private catalog?: Promise<string[]>;
  private readonly repositories = new Map<string, Promise<RepositoryRecord | undefined>>();
  /** By digest: the same content in any repository. */
  private readonly details = new Map<string, ManifestDetails>();

  constructor(
    private readonly registry: RegistryState,
    private readonly backend: RegistryBackend,
  ) {}

  /** Every repository, sorted by name. */
  repositoryNames(entry: LogEntry): Promise<string[]> {
    this.catalog ??= this.backend.storage.repositories().then((names) => {
      countStorageReads(entry, names.length);
      return names;
    });
    return this.catalog;
  }

  /** A repository's tags and manifests; undefined when the registry does not have it. */
  repository(name: string, entry: LogEntry): Promise<RepositoryRecord | undefined> {
    let record = this.repositories.get(name);
    if (!record) {
      record = this.read(name, entry);
      this.repositories.set(name, record);
      // An unknown repository is asked about again next time: it may have been pushed since.
      void record.then((found) => {
        if (!found && this.repositories.get(name) === record) this.repositories.delete(name);
      });
    }
    return record;
  }

  private async read(repository: string, entry: LogEntry): Promise<RepositoryRecord | undefined> {
    const storage = this.backend.storage;
    if (!(await storage.hasRepository(repository))) return undefined;
    const [tagDigests, digests] = await Promise.all([storage.tags(repository), storage.manifests(repository)]);
    countStorageReads(entry, tagDigests.size + 2);
    const record: RepositoryRecord = { tags: new Map(), manifests: new Map() };
    const created = this.registry.creationDate;
    for (const digest of digests) record.manifests.set(digest, { digest, createdTime: created, lastUpdateTime: created });
    const tagTimes = new Map<string, string[]>();
    for (const [name, digest] of tagDigests) {
      const time = this.registry.tagTimes.get(`${repository}:${name}`) ?? created;
      record.tags.set(name, { name, digest, createdTime: time, lastUpdateTime: time });
      tagTimes.set(digest, [...(tagTimes.get(digest) ?? []), time]);
    }
    // A manifest's times span the pushes of the tags on it.
    for (const [digest, times] of tagTimes) {
      const sorted = times.sort();
      record.manifests.set(digest, { digest, createdTime: sorted[0], lastUpdateTime: sorted[sorted.length - 1] });
    }
    return record;
  }

  /** Image details for a manifest of `repository`, from the registry the first time a digest is asked for. */
  async manifestDetails(repository: string, digest: string, entry: LogEntry): Promise<ManifestDetails | undefined> {
    const known = this.details.get(digest);
    if (known) return known;
    const pull = { type: 'repository', name: repository, actions: ['pull'] };
    const response = await this.backend.call('GET', `/v2/${repository}/manifests/${digest}`, pull, entry);
    if (!response.ok) return undefined;
    const body = (await response.json()) as ManifestBody;
    const details: ManifestDetails = { mediaType: body.mediaType ?? response.headers.get('content-type') ?? '', imageSize: 0 };
    if (body.manifests) {
      details.imageSize = body.manifests.reduce((sum, manifest) => sum + manifest.size, 0);
      details.references = body.manifests.map((manifest) => ({ digest: manifest.digest, architecture: manifest.platform?.architecture, os: manifest.platform?.os }));
    } else {
      details.imageSize = (body.config?.size ?? 0) + (body.layers ?? []).reduce((sum, layer) => sum + layer.size, 0);
      if (body.config) {
        const config = await this.backend.call('GET', `/v2/${repository}/blobs/${body.config.digest}`, pull, entry);
        if (config.ok) ({ architecture: details.architecture, os: details.os } = (await config.json()) as { architecture?: string; os?: string });
      }
    }
    this.details.set(digest, details);
    return details;
  }

  // ---- Changes the emulator sees ----

  /** A manifest was pushed (under a tag, or by digest when `reference` is the digest). */
  notePush(repository: string, reference: string, digest: string, mediaType: string | undefined): void {
    const now = new Date().toISOString();
    const tag = reference === digest ? undefined : reference;
    if (tag) this.registry.tagTimes.set(`${repository}:${tag}`, now);
    void this.catalog?.then((names) => {
      if (!names.includes(repository)) names.splice(sortedIndex(names, repository), 0, repository);
    });
    this.update(repository, (record) => {
      const manifest = record.manifests.get(digest);
      record.manifests.set(digest, { digest, createdTime: manifest?.createdTime ?? now, lastUpdateTime: now, mediaType: mediaType ?? manifest?.mediaType });
      if (!tag) return;
      const existing = record.tags.get(tag);
      record.tags.set(tag, { name: tag, digest, createdTime: existing?.createdTime ?? now, lastUpdateTime: now });
    });
  }

  /** A manifest was deleted, and with it every tag on it. */
  noteManifestDeleted(repository: string, digest: string): void {
    this.update(repository, (record) => {
      record.manifests.delete(digest);
      for (const tag of [...record.tags.values()]) {
        if (tag.digest !== digest) continue;
        record.tags.delete(tag.name);
        this.registry.tagTimes.delete(`${repository}:${tag.name}`);
      }
    });
  }

  noteUntagged(repository: string, tag: string): void {
    this.registry.tagTimes.delete(`${repository}:${tag}`);
    this.update(repository, (record) => void record.tags.delete(tag));
  }

  noteRepositoryDeleted(repository: string): void {
    for (const key of [...this.registry.tagTimes.keys()]) if (key.startsWith(`${repository}:`)) this.registry.tagTimes.delete(key);
    this.repositories.delete(repository);
    void this.catalog?.then((names) => {
      const index = names.indexOf(repository);
      if (index >= 0) names.splice(index, 1);
    });
  }

  /** Applies a change to a repository's record once it is read (a record read later sees it in storage). */
  private update(repository: string, change: (record: RepositoryRecord) => void): void {
    void this.repositories.get(repository)?.then((record) => record && change(record));
  }
}

/** Where `name` goes in a sorted list. */
export function sortedIndex(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle] < name) low = middle + 1;
    else high = middle;
  }
  return low;
}
