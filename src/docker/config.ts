import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { mkdir, open, readFile, realpath, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DockerConfigError } from './errors';
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

/** What a change decided: its result, and the edit to make to config.json, if any. */
export interface ConfigChange<T> {
  readonly result: T;
  /**
   * Makes the change in a config as read from the file. It may run more than once, each time on a fresh copy:
   * when config.json changed after it was read (the docker CLI takes no lock), the change is made again to
   * what is there now.
   */
  readonly edit?: (config: DockerConfig) => void;
}

/** How long writers wait for config.json.lock, and when a holder that never let go is taken over. */
export interface ConfigLockTimings {
  readonly staleMs: number;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

const defaultLockTimings: ConfigLockTimings = { staleMs: 30_000, timeoutMs: 60_000, pollMs: 15 };
/** Times config.json may change under a write before giving up. */
const maxRewrites = 20;

const pending = new Map<string, Promise<unknown>>();

/**
 * Reads config.json, lets `decide` look at it (and call credential helpers), and writes the edit it returns.
 * One change at a time per file: in this process by a queue, across processes (other VS Code windows) by
 * `config.json.lock`, created exclusively. Just before the atomic rename the file is read again; if it
 * changed (a `docker login` meanwhile), the edit is made again to the new content, so its entry is kept too.
 * A file that does not parse is never written.
 */
export async function updateDockerConfig<T>(
  environment: DockerEnvironment,
  decide: (config: DockerConfig, file: string) => Promise<ConfigChange<T>>,
  timings: ConfigLockTimings = defaultLockTimings,
): Promise<T> {
  const file = dockerConfigFile(environment);
  const previous = pending.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    const target = await realpath(file).catch(() => file);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const lockPath = `${target}.lock`;
    const release = await lockFile(lockPath, timings);
    if (!release) throw new DockerConfigError(file, await lockHeldProblem(lockPath));
    try {
      let text = await readConfigText(target, file);
      const { result, edit } = await decide(parseDockerConfig(text, file), file);
      if (!edit) return result;
      for (let written = 0; written < maxRewrites; written++) {
        const config = parseDockerConfig(text, file);
        edit(config);
        const basis = text;
        const unchanged = (): boolean => (text = readConfigTextNow(target, file)) === basis;
        if (await writeFileAtomic(target, `${JSON.stringify(config, null, '\t')}\n`, unchanged)) return result;
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

/** The same, synchronously: nothing else runs between this read and the rename after it. */
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
 * Writes a temp file (mode 0600) next to the target, then renames it over the target: readers see old or new,
 * never half. `beforeRename` runs just before the rename, with nothing in between (both synchronous: the docker
 * CLI takes no lock, and a write of its landing between the two would be lost); when it answers false nothing
 * is renamed and the answer is false.
 */
export async function writeFileAtomic(file: string, content: string, beforeRename: () => boolean = () => true): Promise<boolean> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!beforeRename()) {
      await unlink(temp);
      return false;
    }
    renameSync(temp, file);
    return true;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
