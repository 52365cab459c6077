import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AccessEntry, fullPermissions } from './permissions';
import { LogEntry } from './requestLog';
import { RegistryState, World } from './world';

/** Accepted manifest media types, so the registry answers with what was pushed rather than converting it. */
export const manifestTypes = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

const repositoryName = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const tagName = /^[\w][\w.-]{0,127}$/;

export function isRepositoryName(name: string): boolean {
  return name.length <= 256 && repositoryName.test(name);
}

export function isTagName(name: string): boolean {
  return tagName.test(name);
}

/**
 * The emulator's own side of one registry process: requests with tokens it mints for itself, and the
 * registry's filesystem storage for what distribution 2.8 has no API for (untag, delete a repository).
 */
export class RegistryBackend {
  constructor(
    private readonly world: World,
    private readonly registry: RegistryState,
    readonly port: number,
    readonly storageDir: string,
  ) {}

  /** A request to the registry process with a token for exactly `access`; counted on `entry` when given. */
  async call(method: string, path: string, access: AccessEntry, entry?: LogEntry): Promise<Response> {
    const token = this.world.mintAcrToken(this.registry, { caller: 'emulator', subject: 'emulator', permissions: fullPermissions, roles: [] }, 'access_token', { access: [access] });
    if (entry) countBackendRequest(entry);
    return fetch(`http://127.0.0.1:${this.port}${path}`, { method, headers: { authorization: `Bearer ${token}`, accept: manifestTypes } });
  }

  private repositoryDir(repository: string): string {
    if (!isRepositoryName(repository)) throw new Error(`not a repository name: ${repository}`);
    return join(this.repositoriesRoot(), ...repository.split('/'));
  }

  private repositoriesRoot(): string {
    return join(this.storageDir, 'docker', 'registry', 'v2', 'repositories');
  }

  /** Whether the storage holds this repository (distribution counts a directory with `_layers` as one). */
  async hasRepository(repository: string): Promise<boolean> {
    return isRepositoryName(repository) && (await exists(join(this.repositoryDir(repository), '_layers')));
  }

  async hasTag(repository: string, tag: string): Promise<boolean> {
    return isRepositoryName(repository) && isTagName(tag) && (await exists(join(this.repositoryDir(repository), '_manifests', 'tags', tag, 'current', 'link')));
  }

  /**
   * Untags in storage: the tag's directory goes, the manifest stays (as `untag` does on ACR). Distribution
   * 2.8 lists tags from these directories and keeps no tag cache, so `tags/list` no longer shows it.
   */
  async removeTag(repository: string, tag: string): Promise<void> {
    if (!isTagName(tag)) throw new Error(`not a tag name: ${tag}`);
    await rm(join(this.repositoryDir(repository), '_manifests', 'tags', tag), { recursive: true, force: true });
  }

  /** Tags and manifest digests a repository holds in storage. */
  async repositoryContents(repository: string): Promise<{ tags: string[]; digests: string[] }> {
    const dir = this.repositoryDir(repository);
    const tags = await readdir(join(dir, '_manifests', 'tags')).catch(() => []);
    const revisions = await readdir(join(dir, '_manifests', 'revisions', 'sha256')).catch(() => []);
    return { tags: tags.sort(), digests: revisions.map((hex) => `sha256:${hex}`).sort() };
  }

  /**
   * Deletes a repository from storage: its own `_layers`, `_manifests` and `_uploads` (a nested repository
   * such as `team/api` under `team` stays), then directories left empty. Blobs stay until garbage collection.
   */
  async removeRepository(repository: string): Promise<void> {
    const dir = this.repositoryDir(repository);
    for (const part of ['_layers', '_manifests', '_uploads']) await rm(join(dir, part), { recursive: true, force: true });
    const root = this.repositoriesRoot();
    for (let current = dir; current.startsWith(root + '/'); current = dirname(current)) {
      const removed = await rmdir(current).then(
        () => true,
        () => false,
      );
      if (!removed) break;
    }
  }
}

/** Notes on a log entry that answering it took one more request to the registry process. */
export function countBackendRequest(entry: LogEntry): void {
  entry.backendRequests = (entry.backendRequests ?? 0) + 1;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
