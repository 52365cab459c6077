import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { FileHandle, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a lock file holds: who took it, on which machine, and when. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /**
   * Wall-clock ms when it was taken or, for a lock kept with a heartbeat, when its holder last said it still
   * holds it: the time its staleness counts from (the name stays, for the windows still on an older version).
   */
  readonly since: number;
  /** Tells this holder's lock apart from a later one taken by a process with the same pid. */
  readonly token: string;
}

export interface LockFileOptions {
  /** A lock held this long is taken over even when its holder still seems to run (hung, or its pid reused). */
  readonly staleMs: number;
  /**
   * For a lock held longer than `staleMs` may allow: while held, its holder writes the time into it this often,
   * so that it goes stale only `staleMs` after its holder stopped (hung or gone), however long it holds it.
   */
  readonly heartbeatMs?: number;
  readonly now?: () => number;
  /** Whether a process of this machine is still running; defaults to asking the operating system. */
  readonly isRunning?: (pid: number) => boolean;
  /** Defaults to this process's; on Windows a lock file being deleted cannot be opened (see `deletePending`). */
  readonly platform?: NodeJS.Platform;
  /** Defaults to node:fs/promises. */
  readonly fs?: LockFs;
}

export type LockFs = Pick<typeof fs, 'open' | 'readFile'>;

/** The file operations a lock uses, and the platform whose answers they give. */
interface Io {
  readonly fs: LockFs;
  readonly platform: NodeJS.Platform;
}

const ioOf = (options: Pick<LockFileOptions, 'fs' | 'platform'>): Io => ({ fs: options.fs ?? fs, platform: options.platform ?? process.platform });

/**
 * Windows answers EPERM to opening or creating a file whose deletion is pending: a lock file its holder just
 * removed while another process still had it open to read. It is going away: as good as taken, look again later.
 */
function deletePending(error: unknown, platform: NodeJS.Platform): boolean {
  return platform === 'win32' && (error as NodeJS.ErrnoException).code === 'EPERM';
}

/** Releases the lock, unless it was taken over as stale meanwhile (then the new holder's lock stays). */
export type ReleaseLock = () => Promise<void>;

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    const valid = typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.since === 'number' && typeof value.token === 'string';
    return valid ? (value as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

async function readHolder(io: Io, path: string): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  try {
    const text = await io.fs.readFile(path, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || deletePending(error, io.platform)) return undefined;
    throw error;
  }
}

/**
 * Takes the lock file `path` if no live holder has it: created with O_EXCL, so of processes racing for it
 * exactly one succeeds. A lock whose holder died (same machine, pid gone) or whose `since` (its taking, or
 * its last heartbeat) is `staleMs` old is taken over. Resolves undefined when someone else holds it.
 */
export async function tryLockFile(path: string, options: LockFileOptions): Promise<ReleaseLock | undefined> {
  const now = options.now ?? Date.now;
  const isRunning = options.isRunning ?? processIsRunning;
  const io = ioOf(options);
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: now(), token: randomBytes(12).toString('hex') };
  const content = JSON.stringify(holder);
  // More than one try: after the holder let go between our two looks, or after taking over a stale lock.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(io, path, content)) return options.heartbeatMs === undefined ? () => releaseIfOurs(io, path, content) : keepAlive(io, path, holder, options.heartbeatMs, now);
    const current = await readHolder(io, path);
    if (!current) continue;
    if (!(await isStale(current, path, now(), options.staleMs, isRunning))) return undefined;
    await takeOver(io, path, current.text, content, (guard) => isStale(guard, `${path}.takeover`, now(), options.staleMs, isRunning));
  }
  return undefined;
}

/**
 * Writes the time into the lock every `heartbeatMs` while it is held; the release stops that, waits for a write
 * under way and then frees the lock. A heartbeat that finds the lock no longer its own (taken over after its
 * process hung) stops.
 */
function keepAlive(io: Io, path: string, holder: LockHolder, heartbeatMs: number, now: () => number): ReleaseLock {
  let content = JSON.stringify(holder);
  let beat = Promise.resolve();
  const timer = setInterval(() => {
    const next = JSON.stringify({ ...holder, since: now() });
    beat = beat
      .then(async () => {
        if (await rewriteIfOurs(io, path, content, next)) content = next;
        else clearInterval(timer);
      })
      // A write that failed (a full disk, say) is tried again at the next beat.
      .catch(() => undefined);
  }, heartbeatMs);
  // The heartbeat alone does not keep a process running.
  timer.unref();
  return async () => {
    clearInterval(timer);
    await beat;
    await releaseIfOurs(io, path, content);
  };
}

/**
 * Writes `next` over the lock file if it still holds `expected`, through one open handle: if another process
 * removes the lock meanwhile (judged stale) and takes its own, the write lands in the removed file, not in theirs.
 */
async function rewriteIfOurs(io: Io, path: string, expected: string, next: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await io.fs.open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || deletePending(error, io.platform)) return false;
    throw error;
  }
  try {
    if ((await handle.readFile('utf8')) !== expected) return false;
    await handle.write(next, 0);
    await handle.truncate(Buffer.byteLength(next));
    return true;
  } finally {
    await handle.close();
  }
}

/** Creates the file with O_EXCL and writes `content`; false when it exists already (or is still being deleted). */
async function createExclusive(io: Io, path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await io.fs.open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || deletePending(error, io.platform)) return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Waits until the lock file is free, then takes it: it looks again after `pollMs`, then after twice, four and
 * at most eight times that, so that many waiting processes do not keep the CPU busy looking. Gives up after
 * `timeoutMs`, resolving undefined; a holder that long would be stale, unless others keep taking it in turn.
 */
export async function lockFile(path: string, options: LockFileOptions & { readonly timeoutMs: number; readonly pollMs: number }): Promise<ReleaseLock | undefined> {
  const now = options.now ?? Date.now;
  const giveUpAt = now() + options.timeoutMs;
  for (let looks = 0; ; looks++) {
    const release = await tryLockFile(path, options);
    if (release || now() >= giveUpAt) return release;
    // A random share of the wait, so waiting processes do not wake in step.
    await sleep(options.pollMs * Math.min(2 ** looks, 8) * (0.5 + Math.random()));
  }
}

/** Who holds the lock file now, if anyone (for messages). */
export async function lockHolder(path: string, options: Pick<LockFileOptions, 'fs' | 'platform'> = {}): Promise<LockHolder | undefined> {
  return (await readHolder(ioOf(options), path))?.holder;
}

async function isStale(current: { text: string; holder: LockHolder | undefined }, path: string, now: number, staleMs: number, isRunning: (pid: number) => boolean): Promise<boolean> {
  const { holder } = current;
  // Empty or garbled: its holder is between creating and writing it, or died there; judged by the file's age.
  const since = holder?.since ?? (await stat(path).catch(() => undefined))?.mtimeMs ?? now;
  if (holder && holder.host === hostname() && !isRunning(holder.pid)) return true;
  // A time far in the future (a clock set back) counts as stale too, or the lock would be held until then.
  return Math.abs(now - since) >= staleMs;
}

/**
 * Removes the stale lock if it is still the one judged stale. Several processes may judge it stale at once;
 * a second lock file (`<lock>.takeover`, held for a moment) lets only one of them remove it, so none removes
 * the lock another has taken in between. A takeover lock left by a process that died holding it is removed.
 */
async function takeOver(io: Io, path: string, staleText: string, content: string, guardIsStale: (guard: { text: string; holder: LockHolder | undefined }) => Promise<boolean>): Promise<void> {
  const guardPath = `${path}.takeover`;
  if (!(await createExclusive(io, guardPath, content))) {
    const guard = await readHolder(io, guardPath);
    if (guard && (await guardIsStale(guard))) await releaseIfOurs(io, guardPath, guard.text);
    return;
  }
  try {
    if ((await readHolder(io, path))?.text === staleText) await unlink(path).catch(() => undefined);
  } finally {
    await releaseIfOurs(io, guardPath, content);
  }
}

/** Removes the lock file if it still holds `content`. */
async function releaseIfOurs(io: Io, path: string, content: string): Promise<void> {
  const current = await readHolder(io, path);
  if (current?.text !== content) return;
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
