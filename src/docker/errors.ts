import * as l10n from '@vscode/l10n';

/** The Docker engine could not be reached; `tried` lists the sources consulted to find it, in order. */
export class DockerEngineUnavailableError extends Error {
  override readonly name = 'DockerEngineUnavailableError';
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
export class RegistryLoginRefusedError extends Error {
  override readonly name = 'RegistryLoginRefusedError';
  constructor(
    readonly serverAddress: string,
    readonly registryMessage: string,
  ) {
    super(l10n.t('{0} refused the credentials: {1}. Sign in again, or check that your account has a role on this registry.', serverAddress, registryMessage));
  }
}

/** The engine reached no verdict from the registry: DNS, connection, TLS or another engine-side failure. */
export class RegistryUnreachableError extends Error {
  override readonly name = 'RegistryUnreachableError';
  constructor(
    readonly serverAddress: string,
    readonly engineMessage: string,
  ) {
    super(l10n.t("The Docker engine could not log in to {0}: {1}. Check the engine's network, proxy and TLS settings for this registry.", serverAddress, engineMessage));
  }
}

/** The docker config file cannot be used as it is; it has been left untouched. */
export class DockerConfigError extends Error {
  override readonly name = 'DockerConfigError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(l10n.t('{0} was left untouched: {1}', file, problem));
  }
}

/** A `docker-credential-<name>` program failed or is missing. */
export class CredentialHelperError extends Error {
  override readonly name = 'CredentialHelperError';
  constructor(
    readonly program: string,
    action: string,
    detail: string,
  ) {
    super(l10n.t('{0} {1} failed: {2}', program, action, detail));
  }
}

/** Input that is not a registry server address. */
export class InvalidReferenceError extends Error {
  override readonly name = 'InvalidReferenceError';
}

/** Replaces every occurrence of the secret, so messages from other programs can be shown and logged. */
export function withoutSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}

/** The engine could not pull an image for a reason other than the registry refusing the credential. */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  constructor(
    readonly reference: string,
    readonly engineMessage: string,
  ) {
    super(l10n.t('Docker could not pull {0}: {1}', reference, engineMessage));
  }
}
