import { randomBytes } from 'node:crypto';
import { existsSync, FSWatcher, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One file name per login server, also on file systems that refuse `:` (host:port). */
export function registryFileStem(loginServer: string): string {
  return loginServer.replace(/[^A-Za-z0-9.-]/g, (character) => `%${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Marks a folder whose values kept elsewhere by an older version have been written into it. */
const importedMarker = 'imported';

/**
 * One JSON file per registry in a folder every window of this user shares (in the extension's global storage):
 * a window writes or removes only the file of the registry it changes, so two windows changing different
 * registries at the same moment keep both changes. Each window keeps what the folder holds in memory and reads
 * it again whenever a file in it changes. Files are written whole under a temp name and renamed into place, so a
 * reader never sees half of one. Nothing secret goes in them.
 */
export class RegistryFiles<T extends { readonly loginServer: string }> {
  private current: Map<string, T>;
  private readonly watcher: FSWatcher | undefined;

  /**
   * `imports` is called once per folder, ever: what an older version kept elsewhere, written unless its
   * registry has a file already. `onChange` is called when another window's change shows in the folder.
   */
  constructor(
    private readonly folder: string,
    private readonly isValid: (value: unknown) => value is T,
    imports: () => readonly T[],
    onChange: () => void,
  ) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    this.importOnce(imports);
    // Watched first, so that a change made while the folder is read is heard too.
    this.watcher = this.watch(onChange);
    this.current = this.readAll();
  }

  values(): T[] {
    return [...this.current.values()];
  }

  async write(value: T): Promise<void> {
    const file = this.file(value.loginServer);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    this.current.set(value.loginServer, value);
  }

  async remove(loginServer: string): Promise<void> {
    await rm(this.file(loginServer), { force: true });
    this.current.delete(loginServer);
  }

  dispose(): void {
    this.watcher?.close();
  }

  private file(loginServer: string): string {
    return join(this.folder, `${registryFileStem(loginServer)}.json`);
  }

  /**
   * The marker is left after the imported values are written: a value removed later is never imported again,
   * even if a window still on the older version writes it back where it came from.
   */
  private importOnce(imports: () => readonly T[]): void {
    const marker = join(this.folder, importedMarker);
    if (existsSync(marker)) return;
    for (const value of imports()) this.writeIfAbsent(value);
    writeFileSync(marker, '', { mode: 0o600 });
  }

  /** Linked into place from a temp file: whole, and only where no file is (another window's, written since). */
  private writeIfAbsent(value: T): void {
    const file = this.file(value.loginServer);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  /**
   * Read at once, not awaited: a few small files, and no write of this window can come between the read and
   * what this window remembers. A file that does not parse (another version's) counts as none.
   */
  private readAll(): Map<string, T> {
    const values = new Map<string, T>();
    for (const name of readdirSync(this.folder)) {
      if (!name.endsWith('.json')) continue;
      const value = this.read(join(this.folder, name));
      if (value && name === `${registryFileStem(value.loginServer)}.json`) values.set(value.loginServer, value);
    }
    return values;
  }

  private read(file: string): T | undefined {
    try {
      const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return this.isValid(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private watch(onChange: () => void): FSWatcher | undefined {
    try {
      const watcher = watch(this.folder, { persistent: false }, (_event, name) => {
        if (name?.endsWith('.tmp')) return;
        const before = this.current;
        try {
          this.current = this.readAll();
        } catch {
          // The folder is gone (removed with the global storage) or cannot be read: what is known stays.
          return;
        }
        if (!sameValues(before, this.current)) onChange();
      });
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      // No watch (the system's limit on watches reached, say): other windows' changes show at the next start.
      return undefined;
    }
  }
}

function sameValues<T>(a: Map<string, T>, b: Map<string, T>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => JSON.stringify(value) === JSON.stringify(b.get(key)));
}
