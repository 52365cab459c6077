import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registryFileStem } from '../auth/registryFiles';
import { LockFileOptions, tryLockFile } from '../docker/lockFile';
import { RefreshLock, RenewalRecord } from './refreshScheduler';

/**
 * How often the window holding a renewal lock writes the time into it, and how long after the last time written
 * another window takes the lock over when the holder's process still runs (hung). A renewal may take longer than
 * that (time-outs, Retry-After waits, two audiences, credential helpers): the heartbeat keeps its lock.
 */
const renewalHeartbeatMs = 15_000;
const renewalStaleMs = 2 * 60_000;

/** A record as read back: anything else (a file cut short, written by another version) counts as none. */
function parseRecord(text: string, loginServer: string): RenewalRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<RenewalRecord> | null;
    const login = value?.login;
    const valid = typeof value?.at === 'number' && typeof login === 'object' && login.loginServer === loginServer && typeof login.loggedInAt === 'number' && typeof login.via === 'string';
    return valid ? (value as RenewalRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A per-registry renewal lock shared by every VS Code window (and process) of this user: a lock file in the
 * extension's global storage folder, created exclusively, so of windows falling due at the same moment exactly
 * one renews. The holder keeps it however long its renewal takes (a heartbeat); a window that dies holding it
 * blocks the others only until its process is gone (or, for a window that hangs, until its last heartbeat is two
 * minutes old). Beside each lock, the record of the registry's last renewal (no secret in it), which the window
 * that takes the lock next reads to see whether it is still due.
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
    return tryLockFile(join(this.folder, `${registryFileStem(loginServer)}.lock`), { staleMs: renewalStaleMs, heartbeatMs: renewalHeartbeatMs, ...this.options });
  }

  async lastRenewal(loginServer: string): Promise<RenewalRecord | undefined> {
    try {
      return parseRecord(await readFile(this.recordFile(loginServer), 'utf8'), loginServer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Written to a file of its own, then renamed over the record: a reader sees the old record or the new one. */
  async recordRenewal(record: RenewalRecord): Promise<void> {
    const file = this.recordFile(record.login.loginServer);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private recordFile(loginServer: string): string {
    return join(this.folder, `${registryFileStem(loginServer)}.last-renewal.json`);
  }
}
