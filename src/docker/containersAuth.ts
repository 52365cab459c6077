import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';
import type { DockerEnvironment } from './config';
import { CredentialToErase, eraseDockerCredential, EraseOutcome, RegistryCredential, storeDockerCredential, StoredIn } from './credentials';
import type { EngineLocation } from './engine';
import { installedPrograms } from './installedPrograms';

/** The tools that read containers' auth file before Docker's config (containers-auth.json(5)). */
const containersTools = ['podman', 'buildah', 'skopeo'];

/**
 * Where podman, buildah and skopeo look first for registry credentials, and where `podman login` writes:
 * REGISTRY_AUTH_FILE, else `$XDG_RUNTIME_DIR/containers/auth.json` on Linux, else `~/.config/containers/auth.json`.
 * A login left there by an older `podman login` would shadow the one in Docker's config (docs/architecture.md).
 */
export function containersAuthFile({ env, platform = process.platform, homeDir }: DockerEnvironment): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (platform === 'linux' && env.XDG_RUNTIME_DIR) return posix.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  return (platform === 'win32' ? win32 : posix).join(homeDir ?? homedir(), '.config', 'containers', 'auth.json');
}

/**
 * Stores the credential in containers' auth file too, with the config's rules (lock, atomic write, a renewal
 * replacing only what is still ours), when the engine is Podman or podman, buildah or skopeo is installed.
 * Resolves with where it went, or undefined when nothing was written.
 */
export async function storeContainersCredential(
  credential: RegistryCredential,
  environment: DockerEnvironment,
  engine: EngineLocation,
  replacing?: CredentialToErase,
): Promise<StoredIn | undefined> {
  const wanted = engine.engines[0] === 'podman' || (await installedPrograms(containersTools, { env: environment.env, platform: environment.platform ?? process.platform })).length > 0;
  if (!wanted) return undefined;
  return storeDockerCredential(credential, { ...environment, configFile: containersAuthFile(environment) }, replacing);
}

/** Takes our credential back out of containers' auth file, if there is one; anyone else's entry stays. */
export async function eraseContainersCredential(credential: CredentialToErase, environment: DockerEnvironment): Promise<EraseOutcome> {
  const file = containersAuthFile(environment);
  const exists = await stat(file).then(() => true, () => false);
  return exists ? eraseDockerCredential(credential, { ...environment, configFile: file }) : 'absent';
}
