import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EmulatorInfo } from '../emulator/emulator';
import type { FaultSpec } from '../emulator/faults';
import type { Lifetimes } from '../emulator/fixture';
import type { LogEntry } from '../emulator/requestLog';
import type { TelemetryEnvelope } from '../emulator/telemetry';
import { startProcess } from './processes';

export type { EmulatorInfo, FaultSpec, Lifetimes, LogEntry, TelemetryEnvelope };

const emulatorEntry = join(__dirname, '..', 'emulator');

export interface EmulatorControl {
  addFault(fault: FaultSpec): Promise<number>;
  removeFault(id: number): Promise<void>;
  clearFaults(): Promise<void>;
  log(): Promise<LogEntry[]>;
  clearLog(): Promise<void>;
  /** User codes of device-code sign-ins waiting for approval. */
  pendingDeviceCodes(): Promise<string[]>;
  /** Approves a device code as a user of the fixture (by identity name). */
  approveDeviceCode(userCode: string, identity: string): Promise<void>;
  /** A fresh service-account token from the emulator's workload issuer, for workload identity. */
  workloadToken(subject: string, lifetimeSeconds?: number): Promise<string>;
  /** Changes how long tokens issued from now on live, in seconds (e.g. `{ acrRefreshSeconds: 90 }`). */
  setLifetimes(lifetimes: Partial<Lifetimes>): Promise<Lifetimes>;
  /** Sets a registry's login server clock this many seconds ahead (behind when negative): its `Date` header and its tokens. */
  setClockSkew(registry: string, seconds: number): Promise<void>;
  /** The Application Insights envelopes the telemetry endpoint received, oldest first. */
  telemetry(): Promise<TelemetryEnvelope[]>;
  clearTelemetry(): Promise<void>;
}

export interface RunningEmulator extends EmulatorInfo {
  readonly control: string;
  readonly client: EmulatorControl;
  /** The login server (host:port) of a registry of the fixture. */
  loginServer(registryName: string): string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** A fixture file, or the fixture itself; the demo fixture when absent. */
  fixture?: string | object;
  /** Milliseconds to wait for the ready line. */
  timeoutMs?: number;
}

/**
 * Runs the emulator as its CLI does for `npm start` (a child process in its own process group, so a crash
 * cannot take the test process with it and stopping it stops its registries too).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  let fixtureDir: string | undefined;
  let fixturePath: string | undefined;
  if (typeof options.fixture === 'string') {
    fixturePath = options.fixture;
  } else if (options.fixture) {
    fixtureDir = await mkdtemp(join(tmpdir(), 'acr-fixture-'));
    fixturePath = join(fixtureDir, 'fixture.json');
    await writeFile(fixturePath, JSON.stringify(options.fixture));
  }
  const args = [emulatorEntry, ...(fixturePath ? ['--fixture', fixturePath] : [])];
  const started = startProcess(process.execPath, args);
  // The emulator's docker-registry processes run in its process group. One that dies while starting them
  // leaves the rest running: they go with it.
  started.child.once('exit', () => {
    try {
      if (started.child.pid !== undefined) process.kill(-started.child.pid, 'SIGKILL');
    } catch {
      // Nothing left in the group.
    }
  });
  const cleanUp = async (): Promise<void> => {
    await started.stop();
    if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
  };
  let info: EmulatorInfo;
  try {
    info = await readyLine(started.child, options.timeoutMs ?? 120_000, () => started.output());
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const client = emulatorControl(info.control);
  return {
    ...info,
    client,
    loginServer: (name) => loginServerOf(info, name),
    stop: cleanUp,
  };
}

/** The login server (host:port) of a registry of the emulator's fixture. */
export function loginServerOf(info: EmulatorInfo, registryName: string): string {
  const registry = info.registries.find((candidate) => candidate.name === registryName);
  if (!registry) throw new Error(`no registry ${registryName} in this emulator (has ${info.registries.map((r) => r.name).join(', ')})`);
  return registry.loginServer;
}

/** A client of the emulator's control API (faults, request log, device codes) at its URL. */
export function emulatorControl(controlUrl: string): EmulatorControl {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(controlUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    addFault: async (fault) => ((await call('POST', '/faults', fault)) as { id: number }).id,
    removeFault: async (id) => void (await call('DELETE', `/faults/${id}`)),
    clearFaults: async () => void (await call('DELETE', '/faults')),
    log: async () => (await call('GET', '/log')) as LogEntry[],
    clearLog: async () => void (await call('DELETE', '/log')),
    pendingDeviceCodes: async () => ((await call('GET', '/device-codes')) as { pending: string[] }).pending,
    approveDeviceCode: async (userCode, identity) => void (await call('POST', '/device-codes/approve', { userCode, identity })),
    workloadToken: async (subject, lifetimeSeconds) => ((await call('POST', '/workload-tokens', { subject, lifetimeSeconds })) as { token: string }).token,
    setLifetimes: async (lifetimes) => (await call('POST', '/lifetimes', lifetimes)) as Lifetimes,
    setClockSkew: async (registry, seconds) => void (await call('POST', '/clock-skew', { registry, seconds })),
    telemetry: async () => (await call('GET', '/telemetry')) as TelemetryEnvelope[],
    clearTelemetry: async () => void (await call('DELETE', '/telemetry')),
  };
}

function readyLine(child: ReturnType<typeof startProcess>['child'], timeoutMs: number, output: () => string): Promise<EmulatorInfo> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => finish(new Error(`the emulator was not ready after ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line && buffered.includes('\n')) {
        try {
          finish(undefined, JSON.parse(line) as EmulatorInfo);
        } catch (error) {
          finish(error as Error);
        }
      }
    };
    const onExit = (): void => finish(new Error(`the emulator exited before it was ready:\n${output()}`));
    const finish = (error?: Error, info?: EmulatorInfo): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error || !info) reject(error ?? new Error('no info'));
      else resolve(info);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Makes the emulator's CA if needed and returns its certificate's path, for NODE_EXTRA_CA_CERTS. */
export async function emulatorCaPath(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [emulatorEntry, '--ca-path']);
  return stdout.trim();
}
