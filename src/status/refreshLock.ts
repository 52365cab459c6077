import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LockFileOptions, tryLockFile } from '../docker/lockFile';
import { RefreshLock } from './refreshScheduler';

/** How long a renewal may hold its lock before another window takes it over, when its holder still runs. */
const renewalStaleMs = 2 * 60_000;

/** One file name per login server, also on file systems that refuse `:` (host:port). */
function lockFileName(loginServer: string): string {
  return `${loginServer.replace(/[^A-Za-z0-9.-]/g, (character) => `%${character.charCodeAt(0).toString(16).padStart(2, '0')}`)}.lock`;
}

/**
 * A per-registry renewal lock shared by every VS Code window (and process) of this user: a lock file in the
 * extension's global storage folder, created exclusively, so of windows falling due at the same moment exactly
 * one renews. A window that dies holding it blocks the others only until its process is gone (or, for a
 * window that hangs, until the lock is two minutes old).
 */
export class FileRefreshLock implements RefreshLock {
  private readonly folder: string;

  constructor(
    globalStorageFolder: string,
    private readonly options: Partial<LockFileOptions> = {},
  ) {
    this.folder = join(globalStorageFolder, 'renewal-locks');
  }

  async acquire(loginServer: string): Promise<(() => Promise<void>) | undefined> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    return tryLockFile(join(this.folder, lockFileName(loginServer)), { staleMs: renewalStaleMs, ...this.options });
  }
}
