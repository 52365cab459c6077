import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerCleanup, startProcess, waitFor } from './processes';

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
 * Reuses the engine DOCKER_HOST (or, without it, the default socket) points at when it answers; otherwise
 * starts a private dockerd on its own socket (vfs storage, no iptables or bridge, so it needs nothing from
 * the host's network set-up).
 */
export async function startDockerEngine({ reuseExisting = true } = {}): Promise<DockerEngine> {
  const existing = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (reuseExisting && (await reachable(existing))) {
    return { host: existing, stop: () => Promise.resolve() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'acr-dockerd-'));
  const host = `unix://${dir}/docker.sock`;
  const dockerd = startProcess('dockerd', [
    '--storage-driver=vfs',
    '--iptables=false',
    '--bridge=none',
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '-H', host,
    '--pidfile', join(dir, 'dockerd.pid'),
  ]);
  const stop = registerCleanup(async () => {
    await dockerd.stop();
    await rm(dir, { recursive: true, force: true });
  });
  try {
    await waitFor(async () => dockerd.child.exitCode === null && reachable(host), 60_000, () => `dockerd did not start:\n${dockerd.output()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, stop };
}
