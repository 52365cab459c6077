import * as l10n from '@vscode/l10n';
import type { DockerEngineConnection } from './engine';
import { DockerEngineUnavailableError, RegistryLoginRefusedError, RegistryUnreachableError, withoutSecret } from './errors';
import type { RegistryCredential } from './credentials';
import { parseServerAddress } from './references';

// Engines before API 1.42 answer a refused login with 500 and the registry's words in the message.
const refusedMessage = /unauthorized|authentication required|invalid credentials|incorrect username or password|denied|forbidden|\b40[13]\b/i;
const engineGoneCodes = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES']);

/** How long the engine may take to log in to the registry; it sets no bound of its own on a registry that never answers. */
export const defaultCheckTimeoutMs = 60_000;

/**
 * The engine logs in to the registry itself (`POST /auth`); resolves when the registry accepted the credential.
 * A caller's abort rejects with its reason; no verdict within `timeoutMs` is `RegistryUnreachableError`.
 */
export async function checkDockerAuth(engine: DockerEngineConnection, credential: RegistryCredential, signal?: AbortSignal, timeoutMs = defaultCheckTimeoutMs): Promise<void> {
  const serverAddress = parseServerAddress(credential.serverAddress);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    await engine.docker.checkAuth({ username: credential.username, password: credential.secret, serveraddress: serverAddress, abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) throw new RegistryUnreachableError(serverAddress, l10n.t('no verdict from the registry within {0} s', Math.round(timeoutMs / 1000)));
    const { statusCode, json, code, message } = error as { statusCode?: number; json?: { message?: string }; code?: string; message: string };
    if (statusCode === undefined && code && engineGoneCodes.has(code)) {
      throw new DockerEngineUnavailableError(engine.location, message);
    }
    if (statusCode === undefined) throw error;
    const engineMessage = withoutSecret(json?.message ?? message, credential.secret);
    if (statusCode === 401 || refusedMessage.test(engineMessage)) throw new RegistryLoginRefusedError(serverAddress, engineMessage);
    throw new RegistryUnreachableError(serverAddress, engineMessage);
  }
}
