// What error classes say about themselves. Kept apart from failures.ts, which reads these and imports the
// error classes, so that the error modules do not import it back.

/** What the user (or nobody) should do about a failure. */
export type NextStep =
  /** Passing trouble (network, throttling, outage, time-out): trying again later may work. */
  | 'retry'
  /** Sign in to Azure again (signed out, expired, another tenant, a broken sign-in method). */
  | 'signIn'
  /** A registry's user name and password were refused: sign in with the current one. */
  | 'enterPassword'
  /** Ask an owner for a role (the message names which). */
  | 'requestAccess'
  /** Fix a setting (trusted hosts, cloud settings). */
  | 'changeSettings'
  /** Firewall, public access off, proxy or TLS. */
  | 'fixNetwork'
  /** The Docker engine is not reachable. */
  | 'startDocker'
  /** The docker config or credential helper is broken; the file was left untouched. */
  | 'fixDockerConfig'
  /** Nothing better to say: an unexpected failure. */
  | 'showLog';

/**
 * What every error class of this extension says about itself; `adviceFor` reads it. The error's `message` is
 * already localized and secret-free.
 */
export interface ActionableFailure {
  readonly message: string;
  readonly needsUser: boolean;
  readonly nextStep: NextStep;
  /** The advice's `kind` (AcrError's own `kind` names the ACR failure alone). */
  readonly failureKind: string;
  readonly retryAfterSeconds?: number;
  readonly setting?: string;
}

/** Duck-typed, so the check holds across bundles and for classes that only implement the interface. */
export function isActionableFailure(error: unknown): error is Error & ActionableFailure {
  if (!(error instanceof Error)) return false;
  const { needsUser, nextStep, failureKind } = error as Partial<ActionableFailure>;
  return typeof needsUser === 'boolean' && typeof nextStep === 'string' && typeof failureKind === 'string';
}
