import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync } from 'node:fs';
import { mkdir, open, readFile, realpath, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DockerConfigError } from './errors';
import { atomicSwap, SwapFiles } from './fileSwap';
import { lockFile, lockHolder } from './lockFile';

/** What decides where the docker config lives and which programs a helper runs with. */
export interface DockerEnvironment {
  readonly env: NodeJS.ProcessEnv;
  /** Defaults to the user's home directory. */
  readonly homeDir?: string;
}

/** `$DOCKER_CONFIG`, or `~/.docker`, as the docker CLI uses. */
export function dockerConfigDir(environment: DockerEnvironment): string {
  return environment.env.DOCKER_CONFIG || join(environment.homeDir ?? homedir(), '.docker');
}

export function dockerConfigFile(environment: DockerEnvironment): string {
  return join(dockerConfigDir(environment), 'config.json');
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

export interface ConfigWriteOptions {
  readonly lockTimings?: ConfigLockTimings;
  /** The atomic swap to use, or null for none (as on Windows); defaults to this platform's (fileSwap.ts). */
  readonly swap?: SwapFiles | null;
}

const defaultLockTimings: ConfigLockTimings = { staleMs: 30_000, timeoutMs: 60_000, pollMs: 15 };
/** Times config.json may change under a write before giving up. */
const maxRewrites = 20;

const pending = new Map<string, Promise<unknown>>();

/**
 * Reads config.json, lets `decide` look at it (and call credential helpers), and writes the edit it returns.
 * One change at a time per file: in this process by a queue, across processes (other VS Code windows) by
 * `config.json.lock`, created exclusively, which is taken for the write alone; the edit is made to what
 * config.json holds then. The docker CLI takes no lock: when config.json changed after it was
 * read (a `docker login` meanwhile), the edit is made again to the new content, so its entry is kept too (see
 * `replaceConfig`). A file that does not parse is never written.
 */
export async function updateDockerConfig<T>(
  environment: DockerEnvironment,
  decide: (config: DockerConfig, file: string) => Promise<ConfigChange<T>>,
  { lockTimings = defaultLockTimings, swap = atomicSwap() ?? null }: ConfigWriteOptions = {},
): Promise<T> {
  const file = dockerConfigFile(environment);
  const previous = pending.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    const target = await realpath(file).catch(() => file);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    // `decide` runs before the lock is taken: a credential helper it calls that waits for its user (a passphrase,
    // a keychain prompt) holds up no other window's write, and cannot outlast the lock's stale time.
    const change = await decide(parseDockerConfig(await readConfigText(target, file), file), file);
    if ('result' in change) return change.result;
    const lockPath = `${target}.lock`;
    const release = await lockFile(lockPath, lockTimings);
    if (!release) throw new DockerConfigError(file, await lockHeldProblem(lockPath));
    try {
      let basis = await readConfigText(target, file);
      for (let written = 0; written < maxRewrites; written++) {
        const config = parseDockerConfig(basis, file);
        const result = change.edit(config);
        const changed = await replaceConfig(target, file, `${JSON.stringify(config, null, '\t')}\n`, basis, swap);
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

/**
 * Puts `content` in place of config.json if it still holds `expected`: written to a temp file (mode 0600) first,
 * so readers see the old file or the new, never half of one. The docker CLI takes no lock, so config.json can
 * change at any moment. It is read again just before ours goes in, and where the platform has an atomic swap,
 * ours trades places with it, so the file ours replaced is read too: a write that landed between the two goes
 * back at once. Answers undefined when ours went in, or else what config.json holds now.
 */
async function replaceConfig(target: string, file: string, content: string, expected: string, swap: SwapFiles | null): Promise<string | undefined> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Synchronous from here on: nothing of this process runs between the look and the swap.
    const current = readConfigTextNow(target, file);
    if (current !== expected) return current;
    const outcome = swapFiles(temp, target, swap);
    if (outcome === 'absent') return createIfAbsent(temp, target, file);
    if (outcome === 'unsupported') {
      renameSync(temp, target);
      return undefined;
    }
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
