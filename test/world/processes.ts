import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from './eventually';

/**
 * Every process the test world starts, and every clean-up of what it made (temp dirs), is registered
 * here, so that it happens when the run ends, fails or is interrupted, even if the code that started it
 * never reaches its own clean-up.
 */
const running = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();

/** Makes `cleanup` run at most once: when the returned function is called, or by stopAll(). */
export function registerCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = (): Promise<void> => {
    cleanups.delete(once);
    return (done ??= cleanup());
  };
  cleanups.add(once);
  return once;
}

export interface Started {
  readonly child: ChildProcess;
  /** Everything the process printed so far, for error messages when it misbehaves. */
  output(): string;
  stop(): Promise<void>;
}

export function startProcess(command: string, args: string[], options: SpawnOptions = {}): Started {
  // A process group of its own, so stopping it also stops whatever it started.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', () => running.delete(child));
  return { child, output: () => output, stop: () => stopProcess(child) };
}

export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...cleanups].map((cleanup) => cleanup()));
  await Promise.all([...running].map((child) => stopProcess(child)));
}

let exitHooksInstalled = false;

/** Stops every started process on exit and on Ctrl+C or SIGTERM. Call once per test process. */
export function stopAllOnExit(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * `eventually` with the argument order the e2e tests use; a check that throws counts as not yet.
 * New code calls `eventually` (test/world/eventually.ts).
 */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  await eventually(describe, () => check().catch(() => false), timeoutMs, 200);
}
