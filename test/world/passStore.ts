import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerCleanup } from './processes';

const run = promisify(execFile);

/** Where `pass`, and so docker-credential-pass, finds its GPG key and its store. */
export interface PassStoreEnv {
  GNUPGHOME: string;
  PASSWORD_STORE_DIR: string;
}

/**
 * A throw-away GPG key (no passphrase) and `pass` store in a temp folder, removed when the test world stops
 * (processes.ts). Where `pass` is installed, `docker login` with a config that names no credsStore stores the
 * credential with it, and without an initialised store fails with "pass not initialized".
 */
export async function createPassStore(): Promise<PassStoreEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-pass-store-'));
  const env: PassStoreEnv = { GNUPGHOME: join(dir, 'gnupg'), PASSWORD_STORE_DIR: join(dir, 'pass') };
  const withStore = { env: { ...process.env, ...env } };
  const stop = registerCleanup(async () => {
    // gpg started the agent as a daemon of its own, outside every process group the test world stops.
    await run('gpgconf', ['--kill', 'gpg-agent'], withStore).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  try {
    await mkdir(env.GNUPGHOME, { mode: 0o700 });
    const identity = 'acr-access-demo@example.invalid';
    await run('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-generate-key', `ACR Access demo <${identity}>`, 'future-default', 'default', 'never'], withStore);
    await run('pass', ['init', identity], withStore);
  } catch (error) {
    await stop();
    throw error;
  }
  return env;
}
