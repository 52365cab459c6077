import { randomBytes } from 'node:crypto';
import { Dirent } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

// Distribution's grammar for a repository name: components of lower-case letters and digits, joined by `.`,
// `_`, `__` or dashes, separated by slashes.
const nameComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const repositoryName = new RegExp(`^${nameComponent}(?:/${nameComponent})*$`);
const tagName = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:([a-f0-9]{64})$/;

export function isRepositoryName(name: string): boolean {
  return name.length <= 255 && repositoryName.test(name);
}

export function isTagName(name: string): boolean {
  return tagName.test(name);
}

export function isDigest(text: string): boolean {
  return digestPattern.test(text);
}

/** What a write request to a repository may touch, so the directories it needs can be made the run's own. */
export interface WriteIntent {
  /** A tag a manifest is pushed under. */
  tag?: string;
  /** Blobs or manifests the write links into the repository. */
  digests?: string[];
}

/**
 * A docker-registry (distribution 2.8) filesystem storage directory, as the emulator reads and changes it.
 *
 * Large seeded content is shared between runs: the run's storage starts with symlinks into a template built
 * once in the cache (storageTemplate.ts), and a directory becomes the run's own, one level at a time, just
 * before something is written in it (copy on write). A run's own directory lives under `ownDir` and is reached
 * through a symlink as well, so switching one over is a single atomic rename that the registry never sees
 * half done.
 */
export class RegistryStorage {
  private readonly ownDir: string;
  private serial: Promise<unknown> = Promise.resolve();
  private nextOwn = 0;

  constructor(readonly root: string) {
    this.ownDir = join(dirname(root), `${root.split(sep).pop() ?? 'storage'}-own`);
  }

  private get repositoriesRoot(): string {
    return join(this.root, 'docker', 'registry', 'v2', 'repositories');
  }

  repositoryDir(repository: string): string {
    if (!isRepositoryName(repository)) throw new Error(`not a repository name: ${repository}`);
    return join(this.repositoriesRoot, ...repository.split('/'));
  }

  // ---- Reading, the way distribution itself reads its storage ----

  /** Every repository, as distribution's catalog finds them: directories holding `_layers`, not under `_*`. */
  async repositories(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((): Dirent[] => []);
      if (prefix && entries.some((entry) => entry.name === '_layers')) found.push(prefix);
      await inParallel(
        entries.filter((entry) => !entry.name.startsWith('_') && (entry.isDirectory() || entry.isSymbolicLink())),
        16,
        (entry) => walk(join(dir, entry.name), prefix ? `${prefix}/${entry.name}` : entry.name),
      );
    };
    await walk(this.repositoriesRoot, '');
    return found.sort();
  }

  async hasRepository(repository: string): Promise<boolean> {
    return isRepositoryName(repository) && (await exists(join(this.repositoryDir(repository), '_layers')));
  }

  /** Tag -> manifest digest, from each tag's `current/link`. */
  async tags(repository: string): Promise<Map<string, string>> {
    const dir = join(this.repositoryDir(repository), '_manifests', 'tags');
    const names = await readdir(dir).catch((): string[] => []);
    const tags = new Map<string, string>();
    await inParallel(names, 16, async (name) => {
      const digest = await this.readLink(join(dir, name, 'current', 'link'));
      if (digest) tags.set(name, digest);
    });
    return tags;
  }

  /** Digests of every manifest stored in a repository, tagged or not. */
  async manifests(repository: string): Promise<string[]> {
    const hexes = await readdir(join(this.repositoryDir(repository), '_manifests', 'revisions', 'sha256')).catch((): string[] => []);
    return hexes.map((hex) => `sha256:${hex}`);
  }

  private async readLink(path: string): Promise<string | undefined> {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text !== undefined && isDigest(text.trim()) ? text.trim() : undefined;
  }

  // ---- Changes the emulator makes itself (distribution 2.8 has no API for them) ----

  /** Untags: the tag's directory goes, the manifest stays. Distribution keeps no tag cache, so it is gone at once. */
  async removeTag(repository: string, tag: string): Promise<void> {
    if (!isTagName(tag)) throw new Error(`not a tag name: ${tag}`);
    const tagsDir = join(this.repositoryDir(repository), '_manifests', 'tags');
    await this.own(tagsDir);
    await rm(join(tagsDir, tag), { recursive: true, force: true });
  }

  /**
   * Deletes a repository: its own `_layers`, `_manifests` and `_uploads` (a nested repository such as `team/api`
   * under `team` stays), then directories left empty. Blobs stay until garbage collection, as in distribution.
   */
  async removeRepository(repository: string): Promise<void> {
    const dir = this.repositoryDir(repository);
    await this.own(dir);
    for (const part of ['_layers', '_manifests', '_uploads']) await rm(join(dir, part), { recursive: true, force: true });
    for (let current = dir; current.startsWith(this.repositoriesRoot + sep); current = dirname(current)) {
      if ((await readdir(current).catch(() => ['?'])).length > 0) break;
      // An empty directory reached through a symlink goes with its symlink; a real one with rmdir.
      if ((await lstat(current)).isSymbolicLink()) await rm(current);
      else await rmdir(current);
    }
  }

  /**
   * Makes the run own every directory a write request to `repository` changes, before the registry acts on
   * it: the repository's own directories, the tag pushed, and the link and blob directories of `digests`.
   */
  async prepareWrite(repository: string, intent: WriteIntent = {}): Promise<void> {
    const dir = this.repositoryDir(repository);
    const dirs = [dir, ...['_layers/sha256', '_manifests/revisions/sha256', '_manifests/tags'].map((path) => join(dir, path))];
    if (intent.tag && isTagName(intent.tag)) dirs.push(join(dir, '_manifests', 'tags', intent.tag, 'current'), join(dir, '_manifests', 'tags', intent.tag, 'index', 'sha256'));
    for (const digest of intent.digests ?? []) {
      const hex = digestPattern.exec(digest)?.[1];
      if (!hex) continue;
      dirs.push(join(dir, '_layers', 'sha256', hex), join(dir, '_manifests', 'revisions', 'sha256', hex), join(this.root, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2)));
      if (intent.tag) dirs.push(join(dir, '_manifests', 'tags', intent.tag, 'index', 'sha256', hex));
    }
    for (const path of dirs) await this.own(path);
  }

  /** Links a template into this storage: every entry the run does not have yet becomes a symlink into it. */
  async linkTemplate(templateRoot: string): Promise<void> {
    const merge = async (own: string, template: string): Promise<void> => {
      await mkdir(own, { recursive: true });
      const entries = await readdir(template, { withFileTypes: true });
      await inParallel(entries, 16, async (entry) => {
        const target = join(template, entry.name);
        const path = join(own, entry.name);
        const existing = await lstat(path).catch(() => undefined);
        if (!existing) await symlink(target, path);
        else if (existing.isDirectory() && entry.isDirectory()) await merge(path, target);
        // A file on both sides is a blob or link with the same content: the run's copy stays.
      });
    };
    await merge(this.root, templateRoot);
  }

  /**
   * Makes `path` and every directory above it (up to the storage root) the run's own, where they exist: a
   * symlink into the template is replaced by a symlink to a new directory of the run holding symlinks to the
   * template's subdirectories and copies of its files. Serialized, so two writes never switch a directory twice.
   */
  private own(path: string): Promise<void> {
    const run = this.serial.then(async () => {
      const parts = relative(this.root, path).split(sep).filter(Boolean);
      let current = this.root;
      for (const part of parts) {
        current = join(current, part);
        const info = await lstat(current).catch(() => undefined);
        if (!info) return;
        if (info.isSymbolicLink()) await this.switchToOwn(current);
      }
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async switchToOwn(link: string): Promise<void> {
    const target = await readlink(link);
    if (target.startsWith(this.ownDir + sep)) return;
    const entries = await readdir(target, { withFileTypes: true });
    const own = join(this.ownDir, String(this.nextOwn++));
    await mkdir(own, { recursive: true });
    // Directories (and the template's own symlinks to shared directories) are linked; files are copied, as
    // the registry rewrites files in place.
    await inParallel(entries, 16, async (entry) => {
      if (entry.isDirectory() || entry.isSymbolicLink()) await symlink(join(target, entry.name), join(own, entry.name));
      else await copyFile(join(target, entry.name), join(own, entry.name));
    });
    // Made aside and renamed over the old symlink, so no listing of the registry ever sees a stray name.
    const swap = join(this.ownDir, `swap-${randomBytes(4).toString('hex')}`);
    await symlink(own, swap);
    await rename(swap, link);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
