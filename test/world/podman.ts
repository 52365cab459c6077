import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './eventually';
import { registerCleanup, Started, startProcess } from './processes';

const run = promisify(execFile);

/** A private Podman API service (`podman system service`) with its own storage, like the private dockerd. */
export interface PodmanService {
  /** What XDG_RUNTIME_DIR would be for a rootless user whose socket this is: `<runtimeDir>/podman/podman.sock`. */
  readonly runtimeDir: string;
  /** unix://<runtimeDir>/podman/podman.sock */
  readonly host: string;
  /** Arguments that make the podman CLI use this service's storage, for `podman pull` in a shell. */
  readonly storageArgs: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts Debian's podman as an API service on a socket under a temp folder laid out as XDG_RUNTIME_DIR, with
 * vfs storage and no systemd (cgroupfs, file events), and waits until it answers.
 */
export async function startPodmanService(): Promise<PodmanService> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-podman-'));
  const runtimeDir = join(dir, 'run');
  const socket = join(runtimeDir, 'podman', 'podman.sock');
  const host = `unix://${socket}`;
  const storageArgs = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'tmp'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  let service: Started | undefined;
  const stop = registerCleanup(async () => {
    await service?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  try {
    await mkdir(join(runtimeDir, 'podman'), { recursive: true });
    service = startProcess('podman', [...storageArgs, 'system', 'service', '--time', '0', host]);
    const started = service;
    await eventually(
      () => `podman system service answering:\n${started.output()}`,
      async () => started.child.exitCode === null && (await run('podman', ['--url', host, 'version'], { timeout: 10_000 }).then(() => true, () => false)),
      60_000,
      200,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { runtimeDir, host, storageArgs, stop };
}
