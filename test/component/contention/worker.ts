// A separate process standing in for one VS Code window: it runs the extension's own modules (through tsx)
// against a shared docker config folder and global storage folder, and prints what it saw as one JSON line.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DockerConfig } from '../../../src/docker/config';
import { DockerConfigError } from '../../../src/docker/errors';
import { eraseDockerCredential, storeDockerCredential } from '../../../src/docker/credentials';
import { lockFile } from '../../../src/docker/lockFile';
import { FileRefreshLock } from '../../../src/status/refreshLock';
import { atomicSwap, SwapFiles } from '../../../src/docker/fileSwap';

/** Store and erase this host's credential in turn, checking after each step that config.json shows it. */
export interface WriterTask {
  readonly kind: 'writer';
  readonly dockerConfig: string;
  readonly host: string;
  readonly rounds: number;
  /** Through a credential helper: the secret is then not in config.json, only the placeholder entry. */
  readonly helper: boolean;
}

/** For each round, try to renew every registry under its renewal lock, writing each renewal to the journal. */
export interface RenewerTask {
  readonly kind: 'renewer';
  readonly dockerConfig: string;
  readonly storage: string;
  readonly journal: string;
  readonly registries: readonly string[];
  readonly rounds: number;
}

/**
 * Renew and log out one registry's credential through the config's credential helper, as a VS Code window
 * does, until `stopFile` exists: odd rounds store a new secret in place of this writer's last one (never over
 * another's), even rounds erase this writer's last one (and nothing else).
 */
export interface HelperWriterTask {
  readonly kind: 'helperWriter';
  readonly dockerConfig: string;
  readonly host: string;
  readonly stopFile: string;
}

/**
 * The real docker CLI: `docker login --password-stdin` in odd rounds, `docker logout` in even ones (the last
 * round leaves it logged in), checking config.json before each command (the last one's result is still there)
 * and after it. The password comes in the environment (ACR_TEST_CLI_PASSWORD), never on a command line. The
 * docker CLI writers take turns among themselves (`turnLock`, which the extension knows nothing of), so an entry
 * of theirs that goes missing or comes back can only have been changed by an extension writer.
 */
export interface CliTask {
  readonly kind: 'cli';
  readonly dockerConfig: string;
  readonly host: string;
  readonly username: string;
  readonly rounds: number;
  readonly turnLock: string;
}

/** A step whose result was not in config.json when read back, with times (ms since the epoch). */
export interface Mismatch {
  readonly round: number;
  /** When config.json last showed what this writer expected (before this step, or at the start). */
  readonly since: number;
  readonly started: number;
  readonly finished: number;
  readonly checked: number;
  readonly expected: 'present' | 'absent';
}

/** From just before to just after something happened (ms since the epoch). */
export interface Interval {
  readonly from: number;
  readonly to: number;
}

/** One store or erase of an extension writer, and whether config.json showed it done when read just after. */
export interface WriterStep {
  readonly round: number;
  readonly expected: 'present' | 'absent';
  /** When its edit went into config.json: from its first swap to its last; absent when it wrote nothing. */
  readonly wrote?: Interval;
  readonly held: boolean;
}

export interface WriterReport {
  readonly steps: WriterStep[];
  /** Steps that gave up waiting for config.json.lock (the extension's limit) and were made again. */
  readonly lockWaitsRetried: number;
  /** Whether its writes had the atomic swap (src/docker/fileSwap.ts), as the extension has on Linux and macOS. */
  readonly atomicSwap: boolean;
}

/** When one docker command ran: from just before its process started to just after it exited. */
export interface CommandRun {
  readonly command: 'login' | 'logout';
  readonly started: number;
  readonly finished: number;
}

export interface CliReport {
  readonly commands: number;
  /** Checks after a docker command that did not find its result, and checks before one that no longer did. */
  readonly mismatches: Mismatch[];
  readonly runs: CommandRun[];
  /** docker commands that failed, with their output. */
  readonly failures: string[];
}

export interface HelperWriterReport {
  /** Which process ran the helper for this writer (the helper's parent). */
  readonly pid: number;
  readonly stores: number;
  readonly erases: number;
  readonly lockWaitsRetried: number;
}

export interface RenewerReport {
  readonly renewals: number;
  readonly lockedOut: number;
}

const username = '00000000-0000-0000-0000-000000000000';
const now = (): number => performance.timeOrigin + performance.now();

async function readConfig(file: string): Promise<DockerConfig> {
  return JSON.parse((await readFile(file, 'utf8').catch(() => '')) || '{}') as DockerConfig;
}

const lockWaitedTooLong = (error: unknown, file: string): boolean => error instanceof DockerConfigError && error.message.includes(`${file}.lock has been held by`);

async function write(task: WriterTask): Promise<WriterReport> {
  const environment = { env: { ...process.env, DOCKER_CONFIG: task.dockerConfig } };
  const file = `${task.dockerConfig}/config.json`;
  const steps: WriterStep[] = [];
  let lockWaitsRetried = 0;
  const swap = atomicSwap();
  let wrote: Interval | undefined;
  // The swap the extension makes anyway, timed: when each step's edit went into config.json.
  const timedSwap: SwapFiles | undefined =
    swap &&
    ((first, second) => {
      const from = now();
      swap(first, second);
      wrote = { from: wrote?.from ?? from, to: now() };
    });
  const writeOptions = { swap: timedSwap ?? null };
  for (let round = 0; round < task.rounds; round++) {
    const credential = { serverAddress: task.host, username, secret: `secret-${task.host}-${round}` };
    // Odd rounds store (the last round leaves the credential stored), even rounds erase.
    const expected = round % 2 === 1 ? 'present' : 'absent';
    wrote = undefined;
    // With this many writers on a loaded machine one can wait past the lock's limit; a user would try again too.
    for (;;) {
      try {
        if (expected === 'present') await storeDockerCredential(credential, environment, undefined, writeOptions);
        // By user name alone, so an older secret of this host that a docker command's stale copy brought back after
        // the last check goes too: whatever a check then finds wrong happened to that step's own write.
        else await eraseDockerCredential({ serverAddress: task.host, username }, environment, writeOptions);
        break;
      } catch (error) {
        if (!lockWaitedTooLong(error, file)) throw error;
        lockWaitsRetried++;
      }
    }
    const entry = (await readConfig(file)).auths?.[task.host];
    const held = expected === 'absent' ? entry === undefined : entry !== undefined && (task.helper || entry.auth === Buffer.from(`${username}:${credential.secret}`).toString('base64'));
    steps.push({ round, expected, wrote, held });
  }
  return { steps, lockWaitsRetried, atomicSwap: swap !== undefined };
}

function docker(args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('docker', args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
    // A program that exits without reading its input is judged by its exit code, not by the broken pipe.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}

async function useCli(task: CliTask): Promise<CliReport> {
  const password = process.env.ACR_TEST_CLI_PASSWORD ?? '';
  const env = { ...process.env, DOCKER_CONFIG: task.dockerConfig, ACR_TEST_CLI_PASSWORD: '' };
  const file = `${task.dockerConfig}/config.json`;
  const mismatches: Mismatch[] = [];
  const runs: CommandRun[] = [];
  const failures: string[] = [];
  const isPresent = async (): Promise<boolean> => (await readConfig(file)).auths?.[task.host] !== undefined;
  let lastChecked = now();
  for (let round = 0; round < task.rounds; round++) {
    const release = await lockFile(task.turnLock, { staleMs: 120_000, timeoutMs: 600_000, pollMs: 2 });
    if (!release) throw new Error(`the docker CLI turn lock ${task.turnLock} stayed taken`);
    try {
      const expected = round % 2 === 1 ? 'present' : 'absent';
      // Between this writer's turns only extension writers ran: what its last command left must still be there.
      const before = round % 2 === 0 ? 'present' : 'absent';
      if (round > 0 && (await isPresent()) !== (before === 'present')) {
        const checked = now();
        mismatches.push({ round: round - 1, since: lastChecked, started: checked, finished: checked, checked, expected: before });
      }
      const started = now();
      const result =
        expected === 'present'
          ? await docker(['login', '-u', task.username, '--password-stdin', task.host], env, password)
          : await docker(['logout', task.host], env, '');
      const finished = now();
      runs.push({ command: expected === 'present' ? 'login' : 'logout', started, finished });
      if (result.code !== 0) failures.push(`round ${round}: docker ${expected === 'present' ? 'login' : 'logout'} exited with ${result.code}: ${result.output.split(password).join('<password>')}`);
      const present = await isPresent();
      lastChecked = now();
      if (present !== (expected === 'present')) mismatches.push({ round, since: finished, started, finished, checked: lastChecked, expected });
    } finally {
      await release();
    }
  }
  return { commands: runs.length, mismatches, runs, failures };
}

async function writeThroughHelper(task: HelperWriterTask): Promise<HelperWriterReport> {
  const environment = { env: { ...process.env, DOCKER_CONFIG: task.dockerConfig } };
  const file = `${task.dockerConfig}/config.json`;
  let stores = 0;
  let erases = 0;
  let lockWaitsRetried = 0;
  // What this writer stored last; before its first store, a secret no one stored, so that store too is a renewal
  // that writes only where there is nothing.
  let last = { serverAddress: task.host, username, secret: `nothing-yet-${process.pid}` };
  for (let round = 0; !existsSync(task.stopFile); round++) {
    const credential = { serverAddress: task.host, username, secret: `secret-${process.pid}-${round}` };
    try {
      if (round % 2 === 1) {
        if (await storeDockerCredential(credential, environment, last)) last = credential;
        stores++;
      } else {
        await eraseDockerCredential(last, environment);
        erases++;
      }
    } catch (error) {
      // With this many writers on a loaded machine one can wait past the lock's limit; a user would try again too.
      if (!lockWaitedTooLong(error, file)) throw error;
      lockWaitsRetried++;
    }
  }
  return { pid: process.pid, stores, erases, lockWaitsRetried };
}

async function renew(task: RenewerTask): Promise<RenewerReport> {
  const environment = { env: { ...process.env, DOCKER_CONFIG: task.dockerConfig } };
  const lock = new FileRefreshLock(task.storage);
  let renewals = 0;
  let lockedOut = 0;
  for (let round = 0; round < task.rounds; round++) {
    // Each process in its own order, so they meet on different registries.
    const order = [...task.registries].sort(() => Math.random() - 0.5);
    for (const registry of order) {
      const release = await lock.acquire(registry);
      if (!release) {
        lockedOut++;
        continue;
      }
      const secret = `renewed-${registry}-${process.pid}-${round}`;
      await appendFile(task.journal, `${JSON.stringify({ registry, pid: process.pid, step: 'enter' })}\n`);
      await storeDockerCredential({ serverAddress: registry, username, secret }, environment);
      await appendFile(task.journal, `${JSON.stringify({ registry, pid: process.pid, step: 'exit', secret })}\n`);
      renewals++;
      await release();
    }
  }
  return { renewals, lockedOut };
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as WriterTask | RenewerTask | CliTask | HelperWriterTask;
  const report =
    task.kind === 'writer' ? await write(task) : task.kind === 'cli' ? await useCli(task) : task.kind === 'helperWriter' ? await writeThroughHelper(task) : await renew(task);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
