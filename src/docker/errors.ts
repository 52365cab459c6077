import * as l10n from '@vscode/l10n';
import type { ActionableFailure } from '../actionableFailure';

/**
 * The Docker engine could not be reached; `tried` lists the sources consulted to find it, in order. Retried on
 * a timer all the same: an engine that restarts (Docker Desktop updating, the computer waking) comes back.
 */
export class DockerEngineUnavailableError extends Error implements ActionableFailure {
  override readonly name = 'DockerEngineUnavailableError';
  readonly needsUser = false;
  readonly nextStep = 'startDocker';
  readonly failureKind = 'docker.engineUnavailable';
  constructor(
    readonly endpoint: string,
    readonly tried: readonly string[],
    reason: string,
  ) {
    super(
      l10n.t(
        'Cannot reach the Docker engine at {0} ({1}). Looked at: {2}. Start Docker (Docker Desktop, or `sudo systemctl start docker`), or point DOCKER_HOST or `docker context use` at a running engine.',
        endpoint,
        reason,
        tried.join('; '),
      ),
    );
  }
}

/** The registry refused the credentials the engine presented for it. */
export class RegistryLoginRefusedError extends Error implements ActionableFailure {
  override readonly name = 'RegistryLoginRefusedError';
  readonly needsUser = true;
  readonly nextStep = 'signIn';
  readonly failureKind = 'docker.loginRefused';
  constructor(
    readonly serverAddress: string,
    readonly registryMessage: string,
  ) {
    super(l10n.t('{0} refused the credentials: {1}. Sign in again, or check that your account has a role on this registry.', serverAddress, registryMessage));
  }
}

/**
 * The engine reached no verdict from the registry: DNS, connection, TLS or another engine-side failure. Network
 * trouble passes, so it is retried, while the advice points at the engine's network settings.
 */
export class RegistryUnreachableError extends Error implements ActionableFailure {
  override readonly name = 'RegistryUnreachableError';
  readonly needsUser = false;
  readonly nextStep = 'fixNetwork';
  readonly failureKind = 'docker.registryUnreachable';
  constructor(
    readonly serverAddress: string,
    readonly engineMessage: string,
  ) {
    super(l10n.t("The Docker engine could not log in to {0}: {1}. Check the engine's network, proxy and TLS settings for this registry.", serverAddress, engineMessage));
  }
}

/** V8's JSON.parse error quotes the text around the fault, which in a docker config may be a saved password. */
const quotedJsonExcerpt = /, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON/s;

/** The docker config file cannot be used as it is; it has been left untouched. */
export class DockerConfigError extends Error implements ActionableFailure {
  override readonly name = 'DockerConfigError';
  readonly needsUser = true;
  readonly nextStep = 'fixDockerConfig';
  readonly failureKind = 'docker.configUnreadable';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(l10n.t('{0} was left untouched: {1}', file, problem.replace(quotedJsonExcerpt, '')));
  }
}

/** A `docker-credential-<name>` program failed or is missing (a locked keyring, too, waits for the user). */
export class CredentialHelperError extends Error implements ActionableFailure {
  override readonly name = 'CredentialHelperError';
  readonly needsUser = true;
  readonly nextStep = 'fixDockerConfig';
  readonly failureKind = 'docker.credentialHelperFailed';
  constructor(
    readonly program: string,
    action: string,
    detail: string,
  ) {
    super(l10n.t('{0} {1} failed: {2}', program, action, detail));
  }
}

/** Input that is not a registry server address; the message says what to give instead. */
export class InvalidReferenceError extends Error implements ActionableFailure {
  override readonly name = 'InvalidReferenceError';
  readonly needsUser = true;
  readonly nextStep = 'showLog';
  readonly failureKind = 'docker.invalidReference';
}

/** Replaces every occurrence of the secret, so messages from other programs can be shown and logged. */
export function withoutSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}

/** The engine could not pull an image for a reason other than the registry refusing the credential. */
export class ImagePullError extends Error implements ActionableFailure {
  override readonly name = 'ImagePullError';
  readonly needsUser = false;
  readonly nextStep = 'showLog';
  readonly failureKind = 'docker.pullFailed';
  constructor(
    readonly reference: string,
    readonly engineMessage: string,
  ) {
    super(l10n.t('Docker could not pull {0}: {1}', reference, engineMessage));
  }
}

/** The engine said nothing for too long while pulling: the registry stopped answering, or the engine is stuck. */
export class PullStalledError extends Error implements ActionableFailure {
  override readonly name = 'PullStalledError';
  readonly needsUser = false;
  readonly nextStep = 'retry';
  readonly failureKind = 'docker.pullStalled';
  constructor(
    readonly reference: string,
    seconds: number,
  ) {
    super(l10n.t('Docker reported no progress pulling {0} for {1} s, so the pull was stopped: the registry or the engine is not answering. Try again later; if it keeps happening, check the engine with `docker info`.', reference, Math.round(seconds)));
  }
}
