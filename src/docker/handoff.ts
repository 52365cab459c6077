import { checkDockerAuth } from './auth';
import { DockerEnvironment } from './config';
import { eraseContainersCredential, storeContainersCredential } from './containersAuth';
import { CredentialToErase, eraseDockerCredential, EraseOutcome, RegistryCredential, storeDockerCredential, StoredIn } from './credentials';
import { connectDockerEngine, DockerEngineConnection } from './engine';

export interface HandOffOptions {
  /** False keeps the credential in the extension only: the engine checks it, nothing is written for the docker CLI. */
  readonly persist: boolean;
  /** Found as the docker CLI finds it when absent. */
  readonly engine?: DockerEngineConnection;
  /** The process environment when absent. */
  readonly environment?: DockerEnvironment;
  readonly signal?: AbortSignal;
  /** How long the engine may take to check the credential with the registry (see checkDockerAuth). */
  readonly checkTimeoutMs?: number;
  /** A renewal: what was stored before, to be replaced only if it is still there (see storeDockerCredential). */
  readonly replacing?: CredentialToErase;
}

export interface HandOffResult {
  readonly persisted: boolean;
  readonly storedIn?: StoredIn;
}

/**
 * Hands a registry credential to Docker: the engine checks it with the registry first, and only a credential
 * the registry accepted is stored where `docker pull` in a terminal finds it.
 */
export async function handOffToDocker(credential: RegistryCredential, options: HandOffOptions): Promise<HandOffResult> {
  const environment = options.environment ?? { env: process.env };
  const engine = options.engine ?? (await connectDockerEngine({ ...environment, platform: process.platform }));
  await checkDockerAuth(engine, credential, options.signal, options.checkTimeoutMs);
  if (!options.persist) return { persisted: false };
  const storedIn = await storeDockerCredential(credential, environment, options.replacing);
  await storeContainersCredential(credential, environment, engine.location, options.replacing);
  return { persisted: storedIn !== undefined, storedIn };
}

/** Takes back what `handOffToDocker` stored, and nothing the user stored since. */
export async function withdrawFromDocker(credential: CredentialToErase, environment: DockerEnvironment = { env: process.env }): Promise<EraseOutcome> {
  const outcome = await eraseDockerCredential(credential, environment);
  await eraseContainersCredential(credential, environment);
  return outcome;
}
