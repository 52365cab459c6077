import * as l10n from '@vscode/l10n';
import type { RegistryCredential } from './credentials';
import type { DockerEngineConnection } from './engine';
import { DockerEngineUnavailableError, InvalidReferenceError, RegistryLoginRefusedError, withoutSecret } from './errors';
import { formatImageReference, parseImageReference } from './references';

/** One progress line from the engine, e.g. `{id: "a1b2", status: "Downloading", current: 1024, total: 4096}`. */
export interface PullProgress {
  readonly status: string;
  readonly id?: string;
  readonly current?: number;
  readonly total?: number;
}

/** The engine could not pull the image for a reason other than credentials, e.g. an unknown tag. */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  constructor(
    readonly reference: string,
    readonly engineMessage: string,
  ) {
    super(l10n.t('Pulling {0} failed: {1}', reference, engineMessage));
  }
}

export interface PullOptions {
  readonly onProgress?: (progress: PullProgress) => void;
  /** Aborting closes the connection, which makes the engine stop the pull. */
  readonly signal?: AbortSignal;
}

interface EngineEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const refusedMessage = /unauthorized|authentication required|denied|forbidden/i;

/**
 * Pulls an image with the credential passed per request (X-Registry-Auth), so it works whether or not the
 * credential was stored for the docker CLI.
 */
export async function pullImage(engine: DockerEngineConnection, reference: string, credential: RegistryCredential, options: PullOptions = {}): Promise<void> {
  const image = parseImageReference(reference);
  if (image.serverAddress !== credential.serverAddress.toLowerCase()) {
    throw new InvalidReferenceError(l10n.t("{0} is not on {1}; pull it with that registry's credentials.", reference, credential.serverAddress));
  }
  const name = formatImageReference(image);
  const fail = (message: string): Error => {
    const clean = withoutSecret(message, credential.secret);
    return refusedMessage.test(clean) ? new RegistryLoginRefusedError(image.serverAddress, clean) : new ImagePullError(name, clean);
  };
  options.signal?.throwIfAborted();
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engine.docker.pull(name, {
      authconfig: { username: credential.username, password: credential.secret, serveraddress: image.serverAddress },
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    const { statusCode, json, message } = error as { statusCode?: number; json?: { message?: string }; message: string };
    if (statusCode === undefined) throw new DockerEngineUnavailableError(engine.location.host, engine.location.tried, message);
    throw fail(json?.message ?? message);
  }
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    // The engine reports a failed pull as an event in a stream that still ends normally.
    let failure: string | undefined;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => {
      settle(options.signal?.reason instanceof Error ? options.signal.reason : new DOMException('The pull was cancelled', 'AbortError'));
      (stream as unknown as { destroy(): void }).destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    engine.docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        const message = error?.message ?? failure;
        settle(message === undefined ? undefined : fail(message));
      },
      (event: EngineEvent) => {
        if (settled) return;
        if (event.error) {
          failure = event.errorDetail?.message ?? event.error;
          return;
        }
        options.onProgress?.({
          status: event.status ?? '',
          ...(event.id ? { id: event.id } : {}),
          ...(event.progressDetail?.current !== undefined ? { current: event.progressDetail.current } : {}),
          ...(event.progressDetail?.total !== undefined ? { total: event.progressDetail.total } : {}),
        });
      },
    );
  });
}
