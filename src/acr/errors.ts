import * as l10n from '@vscode/l10n';
import { accessAdvice, type ActionableFailure, type NextStep } from '../actionableFailure';

export type AcrErrorKind =
  | 'invalidRegistryName'
  | 'hostNotTrusted'
  | 'realmNotHttps'
  | 'realmElsewhere'
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

/** What the registry is known to be; only `noRole` words its advice differently. */
export interface RegistryMode {
  /** "Repository permissions" (ABAC) mode: true or false when known, undefined when not. */
  readonly abac?: boolean;
  /** For `noRole`: the right that was missing, when it was one in particular (reading, deleting, listing the catalog). */
  readonly refused?: 'read' | 'delete' | 'catalog';
  /** For `noRole`: the repository the refused request was on. */
  readonly repository?: string;
  /** For `noRole`: the reader may assign roles on the registry (Owner or User Access Administrator there or above). */
  readonly mayAssignRoles?: boolean;
}

/**
 * Every user-facing sentence of this module, one per kind, localized through @vscode/l10n.
 * `registry` is the login server or the registry name the user typed.
 */
export const acrErrorMessages: Record<AcrErrorKind, (registry: string, mode?: RegistryMode) => string> = {
  invalidRegistryName: (registry) =>
    l10n.t('"{0}" is not a registry name or login server. Registry names are 5 to 50 letters and digits, and login servers look like myregistry.azurecr.io.', registry),
  hostNotTrusted: (registry) =>
    l10n.t('{0} is not a login server of the configured Azure cloud, and neither Azure Resource Manager nor you have trusted it, so no Azure sign-in token was sent to it. Check the login server; if you trust it, add it to the acrAccess.trustedHosts setting.', registry),
  realmNotHttps: (registry) =>
    l10n.t('Registry {0} asked for the password over plain HTTP, where others on the network could read it, so it was not sent. Registry passwords are sent over HTTPS only.', registry),
  realmElsewhere: (registry) =>
    l10n.t('Registry {0} asked for the password to be sent to another host, so it was not sent: a registry password goes only to the login server itself. Check the login server.', registry),
  notSignedIn: (registry) => l10n.t('No Azure sign-in token is available for registry {0}. Sign in to Azure, then try again.', registry),
  wrongTenant: (registry) =>
    l10n.t("Registry {0} belongs to another Microsoft Entra tenant than the account you signed in with. Sign in to the registry's tenant (or pick it), then try again.", registry),
  noRole: (registry, mode = {}) => {
    // The role to ask for comes from the one table of them, accessAdvice (docs/protocol.md sections 7 and 8).
    const attempt = mode.refused === 'delete' ? 'delete' : mode.refused === 'catalog' ? 'list' : 'read';
    const advice = accessAdvice({ attempt, plane: 'data', abac: mode.abac, mayAssignRoles: mode.mayAssignRoles === true, scope: l10n.t('registry {0}', registry), repository: mode.repository });
    if (mode.refused === 'delete') return l10n.t('Your account may not delete in registry {0}. {1}', registry, advice);
    if (mode.refused === 'catalog') return l10n.t('Your account may not list the repositories of registry {0}. {1} Meanwhile, open a repository you know by name.', registry, advice);
    if (mode.refused === 'read' && mode.repository !== undefined) return l10n.t('Your account may not read repository {1} of registry {0}. {2}', registry, mode.repository, advice);
    return l10n.t('Your account has no role on registry {0}. {1} Then try again.', registry, advice);
  },
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

/** Who must act on each kind, and how (see docs/protocol.md sections 3 and 8 for what the statuses mean). */
const acrErrorSteps: Record<AcrErrorKind, { readonly needsUser: boolean; readonly nextStep: NextStep }> = {
  invalidRegistryName: { needsUser: true, nextStep: 'showLog' },
  hostNotTrusted: { needsUser: true, nextStep: 'changeSettings' },
  realmNotHttps: { needsUser: true, nextStep: 'showLog' },
  realmElsewhere: { needsUser: true, nextStep: 'showLog' },
  notSignedIn: { needsUser: true, nextStep: 'signIn' },
  wrongTenant: { needsUser: true, nextStep: 'signIn' },
  noRole: { needsUser: true, nextStep: 'requestAccess' },
  firewall: { needsUser: true, nextStep: 'fixNetwork' },
  throttled: { needsUser: false, nextStep: 'retry' },
  unavailable: { needsUser: false, nextStep: 'retry' },
  tokenExpired: { needsUser: true, nextStep: 'signIn' },
  credentialsRejected: { needsUser: true, nextStep: 'enterPassword' },
  network: { needsUser: false, nextStep: 'retry' },
  timeout: { needsUser: false, nextStep: 'retry' },
  malformedResponse: { needsUser: false, nextStep: 'retry' },
  notFound: { needsUser: false, nextStep: 'retry' },
};

export interface AcrErrorDetails extends RegistryMode {
  /** `x-ms-correlation-request-id` of the response, for a support request. */
  readonly correlationId?: string;
  /** What went wrong, in a few technical words (never a token). */
  readonly detail?: string;
  /** For `throttled` and `unavailable`: seconds the registry asked to wait (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

/** An error a user can act on: its kind, the registry, the next step, and never a secret. */
export class AcrError extends Error implements ActionableFailure {
  readonly correlationId?: string;
  readonly detail?: string;
  readonly retryAfterSeconds?: number;
  readonly abac?: boolean;

  constructor(
    readonly kind: AcrErrorKind,
    readonly registry: string,
    details: AcrErrorDetails = {},
  ) {
    const detail = details.detail === undefined ? undefined : withoutSecrets(details.detail);
    const parts = [acrErrorMessages[kind](registry, details)];
    if (detail) parts.push(`(${detail})`);
    if (details.correlationId) parts.push(l10n.t('Correlation id: {0}.', details.correlationId));
    super(parts.join(' '), { cause: details.cause });
    this.name = 'AcrError';
    this.correlationId = details.correlationId;
    this.detail = detail;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.abac = details.abac;
  }

  get needsUser(): boolean {
    return acrErrorSteps[this.kind].needsUser;
  }

  get nextStep(): NextStep {
    return acrErrorSteps[this.kind].nextStep;
  }

  get failureKind(): string {
    return `acr.${this.kind}`;
  }

  /** The setting that lets a host receive Entra tokens. */
  get setting(): string | undefined {
    return this.kind === 'hostNotTrusted' ? 'acrAccess.trustedHosts' : undefined;
  }
}

/** Runs of the characters tokens, passwords and client secrets are written with (base64, base64url, `~` and `.`), not ending in a full stop. */
const longRun = /[\w+/=~.*-]{15,}[\w+/=~*-]/g;
/** A JWT: its header starts `eyJ`, base64url of `{"`. */
const jwtLike = /eyJ[\w-]*\.[\w-]/;
/** A Microsoft Entra client secret: three characters, a digit, `Q~`, then 31 to 34 more. */
const clientSecretLike = /\dQ~[\w~.-]{30}/;
/** The user name and password of a URL such as https://user:password@host/. */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/**
 * What is never a secret, and is what a reader needs to get access or help: a resource id (the scope to grant a
 * role on), an ARM action, a correlation or object id (a GUID), a host name, an error code (and, below, an image digest).
 */
const publicShapes = [
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\/[\w.-]+)*$/i,
  /^(\*|Microsoft\.[A-Za-z]+)(\/[A-Za-z0-9*]+)+$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[a-z0-9-]+(\.[a-z0-9-]+)+$/,
  /^([A-Z][a-z]+)+$/,
];

/**
 * Whether a run looks random: at least 16 letters and digits (GUIDs aside), switching between lower case, upper
 * case and digits at one character in ten or more inside its words of four or more. Names and codes switch
 * rarely ("contosoprod2024", "scopeMaps"); 32 random base64 characters switch about every other character.
 */
function looksRandom(run: string): boolean {
  const chunks = run.replace(guid, '-').match(/[A-Za-z0-9]+/g) ?? [];
  const length = chunks.join('').length;
  const switches = chunks.filter((chunk) => chunk.length >= 4).reduce((sum, chunk) => sum + chunk.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g)!.length - 1, 0);
  return length >= 16 && switches >= length / 10;
}

function withoutSecret(run: string, offset: number, text: string): string {
  if (jwtLike.test(run)) return '[token]';
  if (clientSecretLike.test(run)) return '[redacted]';
  // An image digest names content anyone with pull rights can read.
  const digest = text.slice(offset - 7, offset) === 'sha256:' && /^[0-9a-f]{64}$/.test(run);
  if (digest || publicShapes.some((shape) => shape.test(run)) || !looksRandom(run)) return run;
  return '[redacted]';
}

/**
 * Server messages go into errors: anything shaped like a token, password or secret is cut out first, while what
 * is never one (publicShapes) stays whole; the text is kept short.
 */
export function withoutSecrets(text: string): string {
  const cleaned = text
    .replace(urlCredentials, '$1[redacted]@')
    .replace(longRun, withoutSecret)
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > 600 ? `${cleaned.slice(0, 600)}...` : cleaned;
}

/** Microsoft Entra ID gave no token in time; passing trouble, so it is retried rather than sent to sign-in. */
export class SignInTimeoutError extends Error implements ActionableFailure {
  override readonly name = 'SignInTimeoutError';
  readonly needsUser = false;
  readonly nextStep = 'retry';
  readonly failureKind = 'azure.entraTimeout';
  constructor(seconds: number) {
    super(l10n.t('Microsoft Entra ID did not answer within {0} s. Check your connection or proxy, then try again.', Math.round(seconds)));
  }
}
