import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync } from 'node:fs';
import { mkdir, open, readFile, realpath, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerConfigError } from './errors';
import { SwapFiles, swapSupport } from './fileSwap';
import { lockFile, lockHolder } from './lockFile';

/** What decides where the docker config lives and which programs a helper runs with. */
export interface DockerEnvironment {
  readonly env: NodeJS.ProcessEnv;
  /** Defaults to the user's home directory. */
  readonly homeDir?: string;
  /** What to expect of the file system and the helpers (swap, Windows' sharing errors, `.exe`); defaults to this process's. */
  readonly platform?: NodeJS.Platform;
  /** The file edited instead of `<dockerConfigDir>/config.json`: containers' auth.json, whose `auths` are the same. */
  readonly configFile?: string;
}

/** `$DOCKER_CONFIG`, or `~/.docker`, as the docker CLI uses. */
export function dockerConfigDir(environment: DockerEnvironment): string {
  return environment.env.DOCKER_CONFIG || join(environment.homeDir ?? homedir(), '.docker');
}

export function dockerConfigFile(environment: DockerEnvironment): string {
  return environment.configFile ?? join(dockerConfigDir(environment), 'config.json');
}

export interface AuthEntry {
  auth?: string;
  identitytoken?: string;
  [field: string]: unknown;
}

/** The parts of config.json this module reads or changes; every other field is carried through untouched. */
export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [field: string]: unknown;
}

const helperName = /^[A-Za-z0-9._-]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? l10n.t('an array') : l10n.t('a {0}', typeof value);
}

/** Parses config.json text; an empty file counts as an empty config, as it does for the docker CLI. */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DockerConfigError(file, l10n.t('it is not valid JSON ({0}). Fix the syntax, or move the file away to start afresh.', (error as Error).message));
  }
  const problem = shapeProblem(parsed);
  if (problem) throw new DockerConfigError(file, l10n.t('{0}. Fix it, or move the file away to start afresh.', problem));
  return parsed as DockerConfig;
}

function shapeProblem(config: unknown): string | undefined {
  if (!isObject(config)) return l10n.t('it must hold a JSON object, not {0}', describe(config));
  const { auths, credsStore, credHelpers } = config;
  if (auths !== undefined) {
    if (!isObject(auths)) return l10n.t('"auths" must be an object keyed by registry host, not {0}', describe(auths));
    for (const [host, entry] of Object.entries(auths)) {
      if (!isObject(entry)) return l10n.t('"auths"."{0}" must be an object, not {1}', host, describe(entry));
      if (entry.auth !== undefined && typeof entry.auth !== 'string') return l10n.t('"auths"."{0}"."auth" must be a string, not {1}', host, describe(entry.auth));
    }
  }
  if (credsStore !== undefined && (typeof credsStore !== 'string' || (credsStore && !helperName.test(credsStore)))) {
    return l10n.t('"credsStore" must name a credential helper such as "pass" or "desktop", not {0}', JSON.stringify(credsStore));
  }
  if (credHelpers !== undefined) {
    if (!isObject(credHelpers)) return l10n.t('"credHelpers" must be an object keyed by registry host, not {0}', describe(credHelpers));
    for (const [host, name] of Object.entries(credHelpers)) {
      if (typeof name !== 'string' || !helperName.test(name)) return l10n.t('"credHelpers"."{0}" must name a credential helper, not {1}', host, JSON.stringify(name));
    }
  }
  return undefined;
}

/** The helper program name (`<name>` of docker-credential-<name>) that keeps this host's secret, if any. */
export function credentialHelperFor(config: DockerConfig, serverAddress: string): string | undefined {
  return config.credHelpers?.[serverAddress] || config.credsStore || undefined;
}

/**
 * What a change decided: a result with nothing to write, or the edit to make to config.json. The edit is made
 * to the config as read from the file under the lock, which may differ from the one `decide` saw, and returns
 * the result of the change as made there. It may run more than once, each time on a fresh copy: when
 * config.json changed after it was read (the docker CLI takes no lock), the change is made again to what is
 * there now, and its last result counts.
 */
export type ConfigChange<T> = { readonly result: T } | { readonly edit: (config: DockerConfig) => T };

/** How long writers wait for config.json.lock, and when a holder that never let go is taken over. */
export interface ConfigLockTimings {
  readonly staleMs: number;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/** Time, for the waits between tries on Windows. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ConfigWriteOptions {
  readonly lockTimings?: ConfigLockTimings;
  /** The atomic swap to use, or null for none (as on Windows); defaults to the platform's (fileSwap.ts). */
  readonly swap?: SwapFiles | null;
  /** Renames a file over another where there is no swap; defaults to fs.renameSync. */
  readonly rename?: (from: string, to: string) => void;
  readonly clock?: Clock;
}

const defaultLockTimings: ConfigLockTimings = { staleMs: 30_000, timeoutMs: 60_000, pollMs: 15 };
/** The lock's holder says it still holds it this often, so a credential helper waiting for its user keeps it. */
const lockHeartbeatMs = 5_000;
const wallClock: Clock = { now: Date.now, sleep: (ms) => sleep(ms) };

/**
 * Windows refuses to replace a file another process has open (docker.exe reading it, Docker Desktop, an
 * antivirus scanning it) with one of these. Such a process lets go soon, so the rename is tried again, as
 * graceful-fs does, for a bounded time: waits from 10 ms doubling up to 1 s, 15 s in all.
 */
const windowsBusyCodes = new Set(['EPERM', 'EBUSY', 'EACCES']);
const renameRetry = { firstWaitMs: 10, maxWaitMs: 1_000, giveUpMs: 15_000 };

/** How config.json is replaced on this platform, in a sentence for the log and ACR: Show Docker Credentials. */
export function configWriteMode(platform: NodeJS.Platform = process.platform): string {
  const support = swapSupport(platform);
  return support.swap
    ? l10n.t('The docker config is replaced by an atomic swap: a docker login that lands at the same moment goes back at once (a plain rename after a last look where the file system refuses the swap).')
    : l10n.t('The docker config is replaced by a rename after a last look, since {0}: a docker login that lands in that instant can be lost.', support.reason);
}

/** Times config.json may change under a write before giving up. */
const maxRewrites = 20;

const pending = new Map<string, Promise<unknown>>();

/**
 * Takes `config.json.lock`, reads config.json, lets `decide` look at it (and call credential helpers), and
 * writes the edit it returns. One change at a time per file: in this process by a queue, across processes
 * (other VS Code windows) by the lock, created exclusively, which is held from the read through the helpers'
 * calls to the write (docs/architecture.md, "The docker config, shared with the docker CLI"). The docker CLI
 * takes no lock: when config.json changed after it was read (a `docker login` meanwhile), the edit is made again
 * to the new content, so its entry is kept too (see `replaceConfig`). A file that does not parse is never written.
 */
export async function updateDockerConfig<T>(
  environment: DockerEnvironment,
  decide: (config: DockerConfig, file: string) => Promise<ConfigChange<T>>,
  { lockTimings = defaultLockTimings, swap, rename = renameSync, clock = wallClock }: ConfigWriteOptions = {},
): Promise<T> {
  const platform = environment.platform ?? process.platform;
  const replace: Replacement = { platform, swap: swap === undefined ? (swapSupport(platform).swap ?? null) : swap, rename, clock };
  const file = dockerConfigFile(environment);
  const previous = pending.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    const target = await realpath(file).catch(() => file);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const lockPath = `${target}.lock`;
    // With a heartbeat: a credential helper waiting for its user (a passphrase, a keychain prompt) keeps the lock
    // however long it waits, and other windows wait for it.
    const release = await lockFile(lockPath, { ...lockTimings, heartbeatMs: lockHeartbeatMs, platform });
    if (!release) throw new DockerConfigError(file, await lockHeldProblem(lockPath));
    try {
      let basis = await readConfigText(target, file);
      const change = await decide(parseDockerConfig(basis, file), file);
      if ('result' in change) return change.result;
      for (let written = 0; written < maxRewrites; written++) {
        const config = parseDockerConfig(basis, file);
        const result = change.edit(config);
        // In the file's own line endings: a config.json saved with CRLF (Windows editors) keeps them.
        const eol = basis.includes('\r\n') ? '\r\n' : '\n';
        const changed = await replaceConfig(target, file, `${JSON.stringify(config, null, '\t').replace(/\n/g, eol)}${eol}`, basis, replace);
        if (changed === undefined) return result;
        // Another program wrote config.json meanwhile: the edit is made again to what it wrote.
        basis = changed;
      }
      throw new DockerConfigError(file, l10n.t('it kept changing while ACR Access was writing it ({0} times). Try again once other programs have finished writing it.', maxRewrites));
    } finally {
      await release();
    }
  });
  pending.set(file, next);
  try {
    return await next;
  } finally {
    if (pending.get(file) === next) pending.delete(file);
  }
}

async function readConfigText(target: string, file: string): Promise<string> {
  return readFile(target, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new DockerConfigError(file, l10n.t('it cannot be read ({0}). Check its permissions.', error.message));
  });
}

/** The same, synchronously: nothing else of this process runs between this read and the swap after it. */
function readConfigTextNow(target: string, file: string): string {
  try {
    return readFileSync(target, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new DockerConfigError(file, l10n.t('it cannot be read ({0}). Check its permissions.', (error as Error).message));
  }
}

async function lockHeldProblem(lockPath: string): Promise<string> {
  const holder = await lockHolder(lockPath);
  const who = holder ? l10n.t('process {0} since {1}', holder.pid, new Date(holder.since).toISOString()) : l10n.t('another process');
  return l10n.t('{0} has been held by {1} for too long. If no docker login or VS Code window is writing the docker config, delete {0} and try again.', lockPath, who);
}

/** How config.json is put in place: the platform's swap, or else a rename (retried on Windows). */
interface Replacement {
  readonly platform: NodeJS.Platform;
  readonly swap: SwapFiles | null;
  readonly rename: (from: string, to: string) => void;
  readonly clock: Clock;
}

/**
 * Puts `content` in place of config.json if it still holds `expected`: written to a temp file first (mode 0600;
 * on Windows, where modes mean nothing, it has the folder's permissions, which the user's profile keeps to the
 * user), so readers see the old file or the new, never half of one. The docker CLI takes no lock, so config.json
 * can change at any moment. It is read again just before ours goes in, and where the platform has an atomic
 * swap, ours trades places with it, so the file ours replaced is read too: a write that landed between the two
 * goes back at once. Answers undefined when ours went in, or else what config.json holds now.
 */
async function replaceConfig(target: string, file: string, content: string, expected: string, replace: Replacement): Promise<string | undefined> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const { swap } = replace;
    // Synchronous from here on: nothing of this process runs between the look and the swap.
    const current = readConfigTextNow(target, file);
    if (current !== expected) return current;
    const outcome = swapFiles(temp, target, swap);
    if (outcome === 'absent') return createIfAbsent(temp, target, file);
    // Awaited here, so the temp file is removed only once the tries are over.
    if (outcome === 'unsupported') return await renameAfterLastLook(temp, target, file, expected, replace);
    if (readFileSync(temp, 'utf8') === expected) return undefined;
    // Another program's write landed between the look and the swap: it goes back. Should yet another have
    // landed meanwhile, that newer one is what stays.
    swapFiles(temp, target, swap);
    if (readFileSync(temp, 'utf8') !== content) swapFiles(temp, target, swap);
    return readConfigTextNow(target, file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Renames `temp` over config.json, the look just before it having found `expected`. Where Windows refuses
 * (another process has config.json open), it waits and looks again before each new try, for a bounded time, and
 * then says which programs to close: config.json was not changed. Answers as `replaceConfig`.
 */
async function renameAfterLastLook(temp: string, target: string, file: string, expected: string, { platform, rename, clock }: Replacement): Promise<string | undefined> {
  const giveUpAt = clock.now() + renameRetry.giveUpMs;
  for (let waitMs = renameRetry.firstWaitMs; ; waitMs = Math.min(waitMs * 2, renameRetry.maxWaitMs)) {
    let code: string | undefined;
    try {
      rename(temp, target);
      return undefined;
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code;
      if (platform !== 'win32' || !code || !windowsBusyCodes.has(code)) throw error;
    }
    if (clock.now() >= giveUpAt) {
      throw new DockerConfigError(
        file,
        l10n.t(
          'Windows refused to replace it for {0} s ({1}): another program has it open. Close docker.exe commands that are still running, let Docker Desktop finish starting or updating (or quit it), or have your antivirus leave {2} alone, then try again.',
          renameRetry.giveUpMs / 1000,
          code,
          dirname(file),
        ),
      );
    }
    await clock.sleep(waitMs);
    // Synchronous again from this look to the next try.
    const current = readConfigTextNow(target, file);
    if (current !== expected) return current;
  }
}

/**
 * Makes `temp` and `target` trade places in one step, where the platform and the file system can. Without it
 * (Windows; file systems such as NFS refuse it) a write has only the look just before it to guard it.
 */
function swapFiles(temp: string, target: string, swap: SwapFiles | null): 'swapped' | 'absent' | 'unsupported' {
  if (!swap) return 'unsupported';
  try {
    swap(temp, target);
    return 'swapped';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'EINVAL' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return 'unsupported';
    throw error;
  }
}

/** With no config.json to trade places with: a hard link creates it, only if it is still absent. */
function createIfAbsent(temp: string, target: string, file: string): string | undefined {
  try {
    linkSync(temp, target);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readConfigTextNow(target, file);
  }
}
