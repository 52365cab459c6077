import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { acrIssuer } from './world';

export interface RegistryProcess {
  readonly port: number;
  readonly storageDir: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

interface RegistryOptions {
  /** Where its config and storage go. */
  readonly dir: string;
  /** host:port of the emulated login server in front of it. */
  readonly loginServer: string;
  /** PEM of the certificate whose key signs the emulator's ACR tokens. */
  readonly rootCertBundlePath: string;
}

/**
 * A real docker-registry (distribution 2.8) that trusts only tokens signed by the emulator: realm and
 * service are the public login server's, so its own 401 challenges send clients back there.
 */
export async function startRegistry(options: RegistryOptions): Promise<RegistryProcess> {
  const port = await freeLoopbackPort();
  const storageDir = join(options.dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const configPath = join(options.dir, 'config.yml');
  // JSON is valid YAML, and spares a YAML writer.
  const config = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true }, formatter: 'text' },
    // No blob descriptor cache: untag and repository deletes act on the storage directly (backend.ts), and a
    // cached descriptor would keep serving the blobs of a deleted repository.
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, host: `https://${options.loginServer}`, secret: randomBytes(16).toString('hex') },
    auth: { token: { realm: `https://${options.loginServer}/oauth2/token`, service: options.loginServer, issuer: acrIssuer, rootcertbundle: options.rootCertBundlePath } },
    health: { storagedriver: { enabled: false } },
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));
  // docker-registry reads REGISTRY_* variables as overrides of its configuration (REGISTRY_AUTH_FILE, which
  // podman and skopeo read for their auth file, would replace its token auth): it gets none of them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
  const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-10_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  // Generous: dozens of registries start at once, on a machine that may be busy.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited at start:\n${output}`);
    const status = await fetch(`http://127.0.0.1:${port}/v2/`).then((response) => response.status, () => 0);
    if (status === 401) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on port ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, storageDir, child, output: () => output, stop };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
