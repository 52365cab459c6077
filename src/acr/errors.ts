import * as l10n from '@vscode/l10n';

export type AcrErrorKind =
  | 'invalidRegistryName'
  | 'hostNotTrusted'
  | 'notSignedIn'
  | 'wrongTenant'
  | 'noRole'
  | 'firewall'
  | 'throttled'
  | 'unavailable'
  | 'tokenExpired'
  | 'credentialsRejected'
  | 'network'
  | 'timeout'
  | 'malformedResponse'
  | 'notFound';

/**
 * Every user-facing sentence of this module, one per kind, localized through @vscode/l10n.
 * `registry` is the login server or the registry name the user typed.
 */
export const acrErrorMessages: Record<AcrErrorKind, (registry: string) => string> = {
  invalidRegistryName: (registry) =>
    l10n.t('"{0}" is not a registry name or login server. Registry names are 5 to 50 letters and digits, and login servers look like myregistry.azurecr.io.', registry),
  hostNotTrusted: (registry) =>
    l10n.t('{0} is not a login server of the configured Azure cloud, and neither Azure Resource Manager nor you have trusted it, so no Azure sign-in token was sent to it. Check the login server; if you trust it, add it to the acrAccess.trustedHosts setting.', registry),
  notSignedIn: (registry) => l10n.t('No Azure sign-in token is available for registry {0}. Sign in to Azure, then try again.', registry),
  wrongTenant: (registry) =>
    l10n.t("Registry {0} belongs to another Microsoft Entra tenant than the account you signed in with. Sign in to the registry's tenant (or pick it), then try again.", registry),
  noRole: (registry) =>
    l10n.t('Your account has no role on registry {0}. Ask an owner of the registry for AcrPull (to pull) or AcrPush (to push), then try again.', registry),
  firewall: (registry) =>
    l10n.t('Registry {0} refused the connection because of its network rules (firewall, or public network access off). Connect from an allowed network, or ask an owner to allow your address.', registry),
  throttled: (registry) => l10n.t('Registry {0} is throttling requests (too many requests). Wait a minute, then try again.', registry),
  unavailable: (registry) => l10n.t('Registry {0} is unavailable for now (a server error). Try again in a few minutes.', registry),
  tokenExpired: (registry) =>
    l10n.t("Your sign-in for registry {0} has expired or was refused. Sign in again; if this keeps happening, check that this computer's clock is right.", registry),
  credentialsRejected: (registry) =>
    l10n.t('Registry {0} refused the username and password. Check them, or create a new password (admin user or repository token) and try again.', registry),
  network: (registry) =>
    l10n.t('Could not reach registry {0} (network or TLS failure). Check your connection, proxy and certificates, then try again.', registry),
  timeout: (registry) => l10n.t('Registry {0} did not answer in time. Check your connection or proxy, then try again.', registry),
  malformedResponse: (registry) =>
    l10n.t('Registry {0} sent an answer this extension cannot read. Try again later; if it persists, check that {0} is an Azure Container Registry.', registry),
  notFound: (registry) => l10n.t('Registry {0} no longer has this repository, tag or image; someone may have deleted it. Refresh to see what is there now.', registry),
};

export interface AcrErrorDetails {
  /** `x-ms-correlation-request-id` of the response, for a support request. */
  readonly correlationId?: string;
  /** What went wrong, in a few technical words (never a token). */
  readonly detail?: string;
  /** For `throttled` and `unavailable`: seconds the registry asked to wait (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** The registry grants data access by repository roles (ABAC): the advice for `noRole` names those. */
  readonly abac?: boolean;
  readonly cause?: unknown;
}

/** An error a user can act on: its kind, the registry, the next step, and never a secret. */
export class AcrError extends Error {
  readonly correlationId?: string;
  readonly detail?: string;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly kind: AcrErrorKind,
    readonly registry: string,
    details: AcrErrorDetails = {},
  ) {
    const detail = details.detail === undefined ? undefined : withoutSecrets(details.detail);
    const parts = [acrErrorMessages[kind](registry)];
    if (detail) parts.push(`(${detail})`);
    if (details.correlationId) parts.push(l10n.t('Correlation id: {0}.', details.correlationId));
    super(parts.join(' '), { cause: details.cause });
    this.name = 'AcrError';
    this.correlationId = details.correlationId;
    this.detail = detail;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

const jwtLike = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?/g;
const longOpaqueRun = /[A-Za-z0-9+/_=-]{40,}/g;

/** Server messages go into errors; anything shaped like a token is cut out first, and the text kept short. */
export function withoutSecrets(text: string): string {
  const cleaned = text.replace(jwtLike, '[token]').replace(longOpaqueRun, '[redacted]').replace(/\s+/g, ' ').trim();
  return cleaned.length > 300 ? `${cleaned.slice(0, 300)}...` : cleaned;
}
