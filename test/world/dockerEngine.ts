import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './eventually';
import { registerCleanup, Started, startProcess } from './processes';

const run = promisify(execFile);

export interface DockerEngine {
  /** The value for DOCKER_HOST that reaches this engine. */
  readonly host: string;
  stop(): Promise<void>;
}

async function reachable(host: string): Promise<boolean> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: host }, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts dockerd with its socket, data and pid file under `dir` (vfs storage, no iptables or bridge, so it
 * needs nothing from the host's network set-up), and waits until it answers. A dockerd that does not is stopped.
 */
async function startDockerd(dir: string, host: string): Promise<Started> {
  const dockerd = startProcess('dockerd', [
    '--storage-driver=vfs',
    '--iptables=false',
    '--bridge=none',
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '-H', host,
    '--pidfile', join(dir, 'dockerd.pid'),
  ]);
  try {
    await eventually(() => `dockerd answering:\n${dockerd.output()}`, async () => dockerd.child.exitCode === null && (await reachable(host)), 60_000, 200);
  } catch (error) {
    await dockerd.stop();
    throw error;
  }
  return dockerd;
}

/**
 * Reuses the engine DOCKER_HOST (or, without it, the default socket) points at when it answers; otherwise
 * starts a private dockerd on its own socket.
 */
export async function startDockerEngine({ reuseExisting = true } = {}): Promise<DockerEngine> {
  const existing = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (reuseExisting && (await reachable(existing))) {
    return { host: existing, stop: () => Promise.resolve() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'acr-dockerd-'));
  const host = `unix://${dir}/docker.sock`;
  let dockerd: Started | undefined;
  const stop = registerCleanup(async () => {
    await dockerd?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  try {
    dockerd = await startDockerd(dir, host);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, stop };
}

/** A private dockerd whose process a test may kill, freeze or restart (same socket and data), for engine faults. */
export interface ControllableDockerEngine extends DockerEngine {
  readonly pid: () => number;
  /** Kills the engine at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts the engine again on the same socket and data root, and waits until it answers; nothing if it runs. */
  start(): Promise<void>;
}

export async function startControllableDockerEngine(): Promise<ControllableDockerEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-dockerd-faults-'));
  const host = `unix://${dir}/docker.sock`;
  let dockerd: Started | undefined;
  const start = async (): Promise<void> => {
    if (dockerd && dockerd.child.exitCode === null && dockerd.child.signalCode === null) return;
    dockerd = await startDockerd(dir, host);
  };
  const kill = async (): Promise<void> => {
    const child = dockerd?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The whole process group: the containerd this dockerd started goes too, as in a crash of the service.
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    await forgetDeadContainerd(join(dir, 'exec', 'containerd', 'containerd.pid'));
    await unmountUnder(dir);
  };
  const stop = registerCleanup(async () => {
    await dockerd?.stop();
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, stop, kill, start, pid: () => dockerd?.child.pid ?? 0 };
}

/** A killed dockerd leaves the mounts it made (its data root among them); they go before a restart or removal. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((target): target is string => target !== undefined && (target === dir || target.startsWith(`${dir}/`)));
  for (const target of mounts.reverse()) await run('umount', ['-l', target]).catch(() => undefined);
}

/**
 * The killed engine's containerd dies with it, but where nobody reaps orphans (this machine's init does not)
 * it stays a zombie, and a zombie still answers "alive" to the check dockerd makes on containerd's pid file:
 * the restarted dockerd would wait on the dead containerd's socket until it gives up. Once containerd is
 * really dead, its pid file goes, so the restart starts a new one.
 */
async function forgetDeadContainerd(pidFile: string): Promise<void> {
  const pid = (await readFile(pidFile, 'utf8').catch(() => '')).trim();
  if (!pid) return;
  const dead = async (): Promise<boolean> => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    // The state is the field after the parenthesised command name.
    return stat === undefined || /\)\s+[ZX]\s/.test(stat);
  };
  await eventually(`the death of containerd (pid ${pid}) with its dockerd`, dead, 30_000, 200);
  await rm(pidFile, { force: true });
}
