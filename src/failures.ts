import * as l10n from '@vscode/l10n';
import { AcrError, withoutSecrets } from './acr/errors';
import { accessAdvice, isActionableFailure, NextStep } from './actionableFailure';

export type { ActionableFailure, NextStep } from './actionableFailure';

export interface FailureAdvice {
  /** Localized, secret-free: what happened and what to do next. */
  readonly message: string;
  /** True when trying again without the user changing something cannot help. */
  readonly needsUser: boolean;
  readonly nextStep: NextStep;
  /** Seconds the server asked to wait (Retry-After), when it did. */
  readonly retryAfterSeconds?: number;
  /** A stable id for telemetry and the README's troubleshooting list, e.g. 'acr.noRole', 'docker.configUnreadable'. */
  readonly kind: string;
  /** For `changeSettings`: the id of the setting to open, when one setting is at fault. */
  readonly setting?: string;
}

/** Whether only the user can fix a failure, and how; unknown failures are retried (with backoff) and point to the log. */
export function adviceFor(error: unknown): FailureAdvice {
  if (error instanceof AcrError && error.kind === 'notSignedIn' && (isActionableFailure(error.cause) || entraVerdict(error.cause) !== undefined)) {
    // The token could not be had because the sign-in method itself is broken, Entra said "not now" or could not
    // be reached, or Entra refused the app's own credential: that is what the advice is about, not signing in again.
    const cause = adviceFor(error.cause);
    return { ...cause, message: l10n.t('Could not get an Azure sign-in token for registry {0}. {1}', error.registry, cause.message) };
  }
  if (isActionableFailure(error)) {
    const { message, needsUser, nextStep, failureKind, retryAfterSeconds, setting } = error;
    return {
      message,
      needsUser,
      nextStep,
      kind: failureKind,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      ...(setting === undefined ? {} : { setting }),
    };
  }
  return foreignAdvice(error);
}

/** The message to log and show for any failure. */
export function errorMessage(error: unknown): string {
  return adviceFor(error).message;
}

/** The button that fixes a failure, next to Show Log: what a notification or an error node offers. */
export type FixAction = 'signIn' | 'openSettings';

export function fixActionFor(advice: FailureAdvice): FixAction | undefined {
  if (advice.nextStep === 'signIn' || advice.nextStep === 'enterPassword') return 'signIn';
  if (advice.nextStep === 'changeSettings') return 'openSettings';
  return undefined;
}

/** Entra's OAuth 2.0 `error` codes (RFC 6749 section 5.2) for "not now" rather than "not you". */
const entraOutageCodes = new Set(['temporarily_unavailable', 'server_error']);
/** The app's own credential (client secret, certificate, assertion) is wrong, or the app may not use this grant. */
const credentialRefusedCodes = new Set(['invalid_client', 'unauthorized_client']);

/**
 * The OAuth 2.0 `error` code Entra answered an @azure/identity sign-in with, when it is known.
 * AuthenticationError keeps it in `errorResponse`. A sign-in through MSAL (client secret, certificate, workload
 * identity) ends in an AuthenticationRequiredError that keeps only the message of MSAL's ServerError,
 * `<code>: Error(s): ... - Description: ...`: the HTTP status and MSAL's own error are dropped, so the code at
 * the start of the message is all that tells a throttled or failing Entra from a refused credential. MSAL's
 * failure to read the authority's metadata comes the same way, as a CredentialUnavailableError.
 */
function entraErrorCode(error: unknown): string | undefined {
  const { name, message, errorResponse } = (error ?? {}) as { name?: unknown; message?: unknown; errorResponse?: { error?: unknown } };
  if (name === 'AuthenticationError') return typeof errorResponse?.error === 'string' ? errorResponse.error : undefined;
  if ((name === 'AuthenticationRequiredError' || name === 'CredentialUnavailableError') && typeof message === 'string') return /^([a-z_]+): /.exec(message)?.[1];
  return undefined;
}

/**
 * What an @azure/identity failure says about Entra, when it says something signing in again would not fix:
 * "not now" (throttled, or a server error), no answer (network), or the app's own credential refused.
 */
function entraVerdict(error: unknown): 'outage' | 'unreachable' | 'credentialRefused' | undefined {
  const { name, statusCode } = (error ?? {}) as { name?: unknown; statusCode?: unknown };
  if (name === 'AuthenticationError' && typeof statusCode === 'number' && (statusCode === 429 || statusCode >= 500)) return 'outage';
  const code = entraErrorCode(error) ?? '';
  if (entraOutageCodes.has(code)) return 'outage';
  // MSAL's own codes for a request that got no HTTP answer (reset, refused, TLS), after the pipeline's retries:
  // a token request, or the first request for the authority's metadata.
  if (code === 'network_error' || code === 'endpoints_resolution_error') return 'unreachable';
  if (credentialRefusedCodes.has(code)) return 'credentialRefused';
  return undefined;
}

/**
 * Errors from libraries (@azure/identity, the Azure SDK's RestError) and anything unexpected, told apart by
 * name and status code as those libraries document them; their messages are cleaned of anything token-like.
 */
function foreignAdvice(error: unknown): FailureAdvice {
  const { name, statusCode } = (error ?? {}) as { name?: unknown; statusCode?: unknown };
  const text = withoutSecrets(error instanceof Error ? error.message : String(error));
  const advice = (kind: string, needsUser: boolean, nextStep: NextStep, message: string): FailureAdvice => ({ kind, needsUser, nextStep, message });
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  switch (name) {
    case 'AbortError':
      return advice('cancelled', false, 'retry', l10n.t('Cancelled.'));
    case 'CredentialUnavailableError':
    case 'AuthenticationRequiredError':
    case 'AuthenticationError': {
      const verdict = entraVerdict(error);
      if (verdict === 'outage') return advice('azure.entraUnavailable', false, 'retry', l10n.t('Microsoft Entra ID is unavailable for now ({0}). Try again in a few minutes.', text));
      if (verdict === 'unreachable') {
        return advice('azure.entraUnreachable', false, 'retry', l10n.t('Could not reach Microsoft Entra ID ({0}). Check your connection, proxy and certificates, then try again.', text));
      }
      if (name === 'CredentialUnavailableError') {
        return advice('azure.signInUnavailable', true, 'signIn', l10n.t('The sign-in method cannot be used here ({0}). Sign in again, or choose another sign-in method.', text));
      }
      if (name === 'AuthenticationRequiredError' && verdict !== 'credentialRefused') {
        return advice('azure.signInRequired', true, 'signIn', l10n.t('Microsoft Entra ID needs you to sign in again ({0}).', text));
      }
      return advice('azure.signInRefused', true, 'signIn', l10n.t('Microsoft Entra ID refused the sign-in ({0}). Sign in again, or check the sign-in method.', text));
    }
    case 'RestError':
      return armAdvice(status, text, error as { message?: unknown; request?: { method?: unknown } });
    default:
      return advice('unexpected', false, 'showLog', text);
  }
}

/**
 * A failed Azure Resource Manager request (listing subscriptions or registries, reading or changing a token).
 * A 403 names the role for what the request tried, where ARM's message says it was refused: the resource id in
 * "over scope '...'" is no secret, and is what an owner needs to assign the role.
 */
function armAdvice(status: number | undefined, text: string, error: { message?: unknown; request?: { method?: unknown } }): FailureAdvice {
  if (status === 401) return { kind: 'arm.notSignedIn', needsUser: true, nextStep: 'signIn', message: l10n.t('Azure Resource Manager did not accept your sign-in ({0}). Sign in again.', text) };
  if (status === 403) {
    const method = error.request?.method;
    const reading = method === undefined || method === 'GET';
    const scope = /over scope '([^']+)'/.exec(String(error.message))?.[1] ?? l10n.t('the subscription or registry');
    const advice = accessAdvice({ attempt: reading ? 'read' : method === 'DELETE' ? 'delete' : 'write', plane: 'arm', abac: undefined, mayAssignRoles: false, scope });
    return {
      kind: 'arm.noRole',
      needsUser: true,
      nextStep: 'requestAccess',
      message: reading
        ? l10n.t('Your account may not read this in Azure Resource Manager ({0}). {1} Or type the login server instead.', text, advice)
        : l10n.t('Your account may not change this in Azure Resource Manager ({0}). {1}', text, advice),
    };
  }
  if (status === 429) return { kind: 'arm.throttled', needsUser: false, nextStep: 'retry', message: l10n.t('Azure Resource Manager is throttling requests ({0}). Wait a minute, then try again.', text) };
  if (status === undefined || status >= 500) {
    return { kind: 'arm.unavailable', needsUser: false, nextStep: 'retry', message: l10n.t('Azure Resource Manager could not be reached or is unavailable ({0}). Check your connection, then try again.', text) };
  }
  return { kind: 'arm.failed', needsUser: false, nextStep: 'showLog', message: l10n.t('An Azure Resource Manager request failed ({0}).', text) };
}
