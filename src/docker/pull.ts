import * as l10n from '@vscode/l10n';
import type { Readable } from 'node:stream';
import type { DockerEngineConnection } from './engine';
import { DockerEngineUnavailableError, ImagePullError, InvalidReferenceError, permissionAdvice, PullStalledError, RegistryLoginRefusedError, withoutSecret } from './errors';
import { parseImageReference } from './imageReference';
import { PullEvent, PullProgress, PullProgressTally } from './pullProgress';
import { parseServerAddress } from './references';

export type { PullProgress } from './pullProgress';

/** What the engine sends to the registry for one pull (X-Registry-Auth); an ACR refresh token goes with the null GUID user name. */
export interface PullCredential {
  readonly username: string;
  readonly password: string;
  readonly serverAddress: string;
}

export interface PullResult {
  /** What was pulled: `host/repository:tag`, or `host/repository@digest` for a pull by digest. */
  readonly reference: string;
  /** sha256:... of the manifest (or index) the reference resolved to. */
  readonly digest: string;
}

export interface PullOptions {
  /** Aborting closes the connection to the engine, which makes the engine stop the pull. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: PullProgress) => void;
  /**
   * How long the engine may go without a word before the pull is given up as stalled (the engine sets no bound
   * of its own on a registry that stops answering). Every progress event restarts it.
   */
  readonly stallTimeoutMs?: number;
}

export const defaultStallTimeoutMs = 120_000;

// Engines before API 1.42 report a refused credential in the message only, often under a 404 or 500.
const refusedMessage = /unauthorized|authentication required|denied|forbidden/i;
const digestStatus = /^Digest: (sha(?:256|384|512):[a-f0-9]+)$/;

/**
 * Pulls `reference` (host[:port]/repository[:tag|@digest]) with the credential passed per request (docs/protocol.md
 * section 5), so it works with nothing saved in the docker config. Rejects with the signal's reason when aborted,
 * once the connection the engine was writing to is closed (the engine stops a pull whose client went away).
 */
export function pullImage(engine: DockerEngineConnection, reference: string, credential: PullCredential, options: PullOptions = {}): Promise<PullResult> {
  return pullCounting(engine, reference, credential, options, new PullProgressTally());
}

/**
 * `pullImage` with a credential from `credentialFor(false)`; if the registry refuses it (e.g. it expired
 * mid-pull), asks `credentialFor(true)` once for a fresh one and pulls again. Both attempts count into one
 * tally, so progress never goes back.
 */
export async function pullWithRenewal(
  engine: DockerEngineConnection,
  reference: string,
  credentialFor: (fresh: boolean) => Promise<PullCredential>,
  options: PullOptions = {},
): Promise<PullResult> {
  const tally = new PullProgressTally();
  try {
    return await pullCounting(engine, reference, await credentialFor(false), options, tally);
  } catch (error) {
    if (!(error instanceof RegistryLoginRefusedError)) throw error;
  }
  options.signal?.throwIfAborted();
  return pullCounting(engine, reference, await credentialFor(true), options, tally);
}

async function pullCounting(engine: DockerEngineConnection, reference: string, credential: PullCredential, options: PullOptions, tally: PullProgressTally): Promise<PullResult> {
  const image = parseImageReference(reference);
  if (image.serverAddress !== parseServerAddress(credential.serverAddress)) {
    throw new InvalidReferenceError(l10n.t("{0} is not on {1}; pull it with that registry's credentials.", reference, credential.serverAddress));
  }
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const stallTimeoutMs = options.stallTimeoutMs ?? defaultStallTimeoutMs;
  const stall = new StallWatch(stallTimeoutMs);
  const stopped = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
  const name = `${image.serverAddress}/${image.repository}`;
  const pulled = image.digest ? `${name}@${image.digest}` : `${name}:${image.tag ?? 'latest'}`;
  const failure = (engineMessage: string): Error => {
    const message = withoutSecret(engineMessage, credential.password);
    return refusedMessage.test(message) ? new RegistryLoginRefusedError(image.serverAddress, message) : new ImagePullError(pulled, message);
  };
  const engineGone = (reason: string): Error => new DockerEngineUnavailableError(engine.location, withoutSecret(reason, credential.password));

  let stream: Readable;
  try {
    stream = (await engine.docker.createImage({
      // As the docker CLI does, a digest goes in `tag`: a pull by digest ignores any tag beside it.
      fromImage: name,
      tag: image.digest ?? image.tag ?? 'latest',
      authconfig: { username: credential.username, password: credential.password, serveraddress: image.serverAddress },
      abortSignal: stopped,
    })) as Readable;
  } catch (error) {
    stall.stop();
    signal?.throwIfAborted();
    if (stall.signal.aborted) throw new PullStalledError(pulled, stallTimeoutMs / 1000);
    const { statusCode, code, message } = error as { statusCode?: number; code?: string; message: string };
    if (statusCode === undefined) throw engineGone(connectionProblem(code, engine) ?? message);
    if (statusCode === 401 || statusCode === 403) throw new RegistryLoginRefusedError(image.serverAddress, withoutSecret(engineReply(message), credential.password));
    throw failure(engineReply(message));
  }
  if (stopped.aborted) {
    // Aborted between the engine's answer and now: no abort event will come for this stream.
    stream.destroy();
    stall.stop();
    if (signal?.aborted) throw signal.reason;
    throw new PullStalledError(pulled, stallTimeoutMs / 1000);
  }

  let digest: string | undefined;
  let engineError: string | undefined;
  stall.restart();
  const outcome = await followStream(stream, stopped, (event) => {
    stall.restart();
    if (event.error !== undefined || event.errorDetail !== undefined) {
      engineError ??= event.errorDetail?.message ?? event.error ?? '';
      return;
    }
    digest = digestStatus.exec(event.status ?? '')?.[1] ?? digest;
    const progress = tally.record(event);
    if (progress) onProgress?.(progress);
  });
  stall.stop();
  if (outcome.kind === 'aborted') throw signal?.aborted ? signal.reason : new PullStalledError(pulled, stallTimeoutMs / 1000);
  if (outcome.kind === 'callbackFailed') throw outcome.error;
  if (outcome.kind === 'lost') throw engineGone(l10n.t('the engine closed the connection before the pull finished'));

  // The engine reports a failed pull as an event in a stream that still ends normally.
  if (engineError !== undefined) throw failure(engineError);
  digest ??= image.digest ?? (await repoDigest(engine, pulled, name));
  if (!digest) throw failure(l10n.t('the engine finished without saying which digest it pulled'));
  return { reference: pulled, digest };
}

/** Podman's Docker API says no `Digest:` in the pull's events; the pulled image's RepoDigests name it. */
async function repoDigest(engine: DockerEngineConnection, pulled: string, name: string): Promise<string | undefined> {
  const info = await engine.docker.getImage(pulled).inspect().catch(() => undefined);
  return info?.RepoDigests?.find((entry) => entry.startsWith(`${name}@`))?.slice(name.length + 1);
}

function connectionProblem(code: string | undefined, engine: DockerEngineConnection): string | undefined {
  if (code === 'ENOENT' || code === 'ECONNREFUSED') return l10n.t('nothing is listening there');
  if (code === 'EACCES') return permissionAdvice(engine.location.engines[0], engine.location.system);
  if (code === 'ECONNRESET' || code === 'EPIPE') return l10n.t('the engine closed the connection before the pull finished');
  return undefined;
}

/** The engine's own words from a dockerode error such as `(HTTP code 404) unexpected - manifest unknown `. */
function engineReply(message: string): string {
  return message.replace(/^\(HTTP code \d+\) .*? - /, '').trim();
}

/** A timer that aborts its signal when it is not restarted within `ms`. */
class StallWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {
    this.restart();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    clearTimeout(this.timer);
    if (!this.controller.signal.aborted) this.timer = setTimeout(() => this.controller.abort(), this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

type StreamOutcome = { kind: 'ended' } | { kind: 'aborted' } | { kind: 'lost' } | { kind: 'callbackFailed'; error: unknown };

/**
 * Reads the engine's newline-delimited JSON until the stream ends. Settles once the stream has closed: ended
 * by the engine, aborted by the signal, lost with the connection, or stopped because `onEvent` threw.
 */
function followStream(stream: Readable, signal: AbortSignal | undefined, onEvent: (event: PullEvent) => void): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    let buffered = '';
    let ended = false;
    let callbackFailure: { error: unknown } | undefined;
    let broken = false;
    const onAbort = (): void => {
      if (!ended) stream.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const handle = (line: string): void => {
      if (!line.trim() || callbackFailure) return;
      let event: PullEvent;
      try {
        event = JSON.parse(line) as PullEvent;
      } catch {
        return;
      }
      try {
        onEvent(event);
      } catch (error) {
        // A failing progress callback must not leave the pull running unobserved.
        callbackFailure = { error };
        stream.destroy();
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        handle(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    stream.on('end', () => {
      handle(buffered);
      ended = true;
    });
    stream.on('error', () => {
      broken = true;
    });
    stream.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      if (callbackFailure) resolve({ kind: 'callbackFailed', error: callbackFailure.error });
      else if (ended && !broken) resolve({ kind: 'ended' });
      else if (signal?.aborted) resolve({ kind: 'aborted' });
      else resolve({ kind: 'lost' });
    });
  });
}
