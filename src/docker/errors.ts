import * as l10n from '@vscode/l10n';
import type { ActionableFailure } from '../actionableFailure';

/** The system the extension runs on, as far as starting an engine goes. */
export interface HostSystem {
  readonly platform: NodeJS.Platform;
  /** Linux inside Windows (WSL), where Docker Desktop's engine arrives through WSL integration. */
  readonly wsl: boolean;
}

/** Which engine was looked for: Docker's, or Podman's Docker-compatible API (docs/architecture.md, Podman). */
export type EngineKind = 'docker' | 'podman';

/** Where an engine was looked for, and what decides the advice when it does not answer. */
export interface EngineEndpoint {
  /** unix://..., npipe://..., tcp://host:port or ssh://[user@]host[:port] */
  readonly host: string;
  /** Every source looked at, in order, with what it said. */
  readonly tried: readonly string[];
  /** The engines the user may mean: one, or Docker then Podman when neither answered. */
  readonly engines: readonly EngineKind[];
  readonly system: HostSystem;
}

/** How to start the engine on this system: Docker Desktop, systemd, WSL integration or Podman's socket. */
export function startEngineAdvice(engine: EngineKind, system: HostSystem): string {
  if (engine === 'podman') {
    return system.platform === 'linux'
      ? l10n.t("Start Podman's API socket: `systemctl --user start podman.socket` (rootless) or `sudo systemctl start podman.socket`.")
      : l10n.t('Start the Podman machine: `podman machine start`.');
  }
  if (system.wsl) {
    return l10n.t("Start Docker Desktop on Windows and turn on WSL integration for this distribution (Settings > Resources > WSL integration), or start Docker Engine in the distribution with `sudo service docker start`.");
  }
  if (system.platform === 'linux') return l10n.t('Start Docker: `sudo systemctl start docker`.');
  if (system.platform === 'win32' || system.platform === 'darwin') return l10n.t('Start Docker Desktop and wait until it says it is running.');
  return l10n.t('Start the Docker engine.');
}

/** What to do when the engine refused the connection for want of permission, on this system. */
export function permissionAdvice(engine: EngineKind, system: HostSystem): string {
  if (engine === 'podman') return l10n.t("permission denied; use rootless Podman's socket ($XDG_RUNTIME_DIR/podman/podman.sock) or set CONTAINER_HOST");
  if (system.platform === 'linux') return l10n.t('permission denied; add your user to the docker group (`sudo usermod -aG docker $USER`), then sign in again');
  if (system.platform === 'win32') return l10n.t("permission denied; Docker Desktop's engine is open to the docker-users group: add your account to it, then sign out of Windows and in again");
  return l10n.t('permission denied; restart Docker Desktop, which sets up its socket for your user');
}

/**
 * The engine could not be reached; `tried` lists the sources consulted to find it, in order. Retried on a
 * timer all the same: an engine that restarts (Docker Desktop updating, the computer waking) comes back.
 */
export class DockerEngineUnavailableError extends Error implements ActionableFailure {
  override readonly name = 'DockerEngineUnavailableError';
  readonly needsUser = false;
  readonly nextStep = 'startDocker';
  readonly failureKind = 'docker.engineUnavailable';
  readonly endpoint: string;
  readonly tried: readonly string[];
  constructor(location: EngineEndpoint, reason: string) {
    const advice = location.engines.map((engine) => startEngineAdvice(engine, location.system)).join(' ');
    const tried = location.tried.join('; ');
    super(
      location.engines[0] === 'podman'
        ? l10n.t('Cannot reach Podman at {0} ({1}). Looked at: {2}. {3} Or point CONTAINER_HOST at a running Podman.', location.host, reason, tried, advice)
        : l10n.t('Cannot reach the Docker engine at {0} ({1}). Looked at: {2}. {3} Or point DOCKER_HOST or `docker context use` at a running engine.', location.host, reason, tried, advice),
    );
    this.endpoint = location.host;
    this.tried = location.tried;
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
