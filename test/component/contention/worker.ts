// A separate process standing in for one VS Code window: it runs the extension's own modules (through tsx)
// against a shared docker config folder and global storage folder, and prints what it saw as one JSON line.
import { appendFile, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DockerConfig } from '../../../src/docker/config';
import { eraseDockerCredential, storeDockerCredential } from '../../../src/docker/credentials';
import { FileRefreshLock } from '../../../src/status/refreshLock';

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

/** A step whose result was not in config.json when read back right after, with times (ms since the epoch). */
export interface Mismatch {
  readonly round: number;
  readonly started: number;
  readonly finished: number;
  readonly checked: number;
  readonly expected: 'present' | 'absent';
}

export interface WriterReport {
  readonly writes: number;
  readonly mismatches: Mismatch[];
  /** The last step, which leaves the credential stored. */
  readonly last: { readonly started: number; readonly finished: number };
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

async function write(task: WriterTask): Promise<WriterReport> {
  const environment = { env: { ...process.env, DOCKER_CONFIG: task.dockerConfig } };
  const file = `${task.dockerConfig}/config.json`;
  const mismatches: Mismatch[] = [];
  let writes = 0;
  let last = { started: 0, finished: 0 };
  for (let round = 0; round < task.rounds; round++) {
    const credential = { serverAddress: task.host, username, secret: `secret-${task.host}-${round}` };
    const previous = { ...credential, secret: `secret-${task.host}-${round - 1}` };
    const started = now();
    // Odd rounds store (the last round leaves the credential stored), even rounds erase what the round before stored.
    const expected = round % 2 === 1 ? 'present' : 'absent';
    if (expected === 'present') await storeDockerCredential(credential, environment);
    else await eraseDockerCredential(previous, environment);
    writes++;
    const finished = now();
    last = { started, finished };
    const entry = (await readConfig(file)).auths?.[task.host];
    const holds = entry !== undefined && (task.helper || entry.auth === Buffer.from(`${username}:${credential.secret}`).toString('base64'));
    if (holds !== (expected === 'present')) mismatches.push({ round, started, finished, checked: now(), expected });
  }
  return { writes, mismatches, last };
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
  const task = JSON.parse(process.argv[2]) as WriterTask | RenewerTask;
  const report = task.kind === 'writer' ? await write(task) : await renew(task);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
