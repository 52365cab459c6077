import * as l10n from '@vscode/l10n';
import type { TokenCredential } from '@azure/core-auth';
import type { HostTrust } from '../acr/loginServer';
import type { TokenEndpoint } from '../acr/protocol';
import type { RegistrySummary } from '../azure/registries';
import type { EngineEnvironment } from '../docker/engine';

/** Who can fix a failed check. */
export type Actor = 'you' | 'registryOwner' | 'networkAdmin';

/**
 * What a check found: passed, failed (what to do, and who must), or not run (why); `details`, lines shown under
 * it one by one (check 11's logged problems). No text here holds a secret.
 */
export type CheckOutcome = (
  | { readonly status: 'passed'; readonly seen: string }
  | { readonly status: 'failed'; readonly seen: string; readonly advice: string; readonly actor: Actor; readonly correlationId?: string }
  | { readonly status: 'skipped'; readonly reason: string }
) & { readonly details?: readonly string[] };

export type CheckId = 'name' | 'dns' | 'tls' | 'challenge' | 'signIn' | 'exchange' | 'roles' | 'clock' | 'engine' | 'credentials' | 'renewals';

export interface CheckResult {
  readonly id: CheckId;
  readonly outcome: CheckOutcome;
  readonly startedAt: number;
  readonly durationMs: number;
}

/** What ACR Access's renewal schedule knows of this registry's Docker login (no secret). */
export interface RenewalSummary {
  /** When Docker was logged in (renewals keep it); milliseconds since the epoch. */
  readonly loggedInAt: number;
  /** The last renewal's failure, as shown to the user; absent when it succeeded. */
  readonly lastFailure?: string;
  readonly nextAt?: number;
  /** When the credential handed to Docker expires. */
  readonly expiresOn?: number;
}

/** Everything the checks need, injected so that each runs against real parts in the tests. */
export interface DiagnosisInputs {
  /** `host` or `host:port`. */
  readonly loginServer: string;
  readonly trust: HostTrust;
  /** The registry's tenant, when ARM listed it. */
  readonly tenantId?: string;
  /** What ARM says of the registry, when it listed it: its data endpoints (DNS) and the scope of its role assignments (Roles). */
  readonly registry?: RegistrySummary;
  /** VS Code's `http.proxy` setting, when set; it may carry a password, so only its host is ever shown. */
  readonly proxy?: string;
  /** A repository to check the roles on (the one that failed, or one the user named). */
  readonly repository?: string;
  /** The signed-in account for the registry's tenant, never prompting; undefined when signed out. */
  readonly credential?: TokenCredential;
  /** Where the docker CLI and engine are found. */
  readonly engine: EngineEnvironment;
  /** The secret ACR Access handed to Docker for this registry, to tell whether Docker still holds ours. */
  readonly ourSecret?: string;
  /** Undefined when ACR Access has no Docker login for this registry. */
  readonly renewal?: RenewalSummary;
  /** The last warnings and errors ACR Access logged that name this registry, oldest first (the log holds no secret). */
  readonly recentErrors?: ReadonlyArray<{ readonly at: number; readonly text: string }>;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

/** What the earlier checks found that later ones use (the refresh token stays in memory, never in a report). */
export interface Findings {
  resolved?: boolean;
  /** A TLS connection was made and this computer trusts the registry's certificate. */
  trusted?: boolean;
  signedIn?: boolean;
  /** The signed-in account's object id (`oid`), which its role assignments name. */
  principalId?: string;
  endpoint?: TokenEndpoint;
  /** The registry's `Date` header and the local clock when it came. */
  serverDate?: { readonly server: number; readonly local: number };
  refreshToken?: { readonly token: string; readonly receivedAt: number };
}

export type Check = (inputs: DiagnosisInputs, findings: Findings) => CheckOutcome | Promise<CheckOutcome>;

export const passed = (seen: string): CheckOutcome => ({ status: 'passed', seen });
export const skipped = (reason: string): CheckOutcome => ({ status: 'skipped', reason });
export const failed = (seen: string, advice: string, actor: Actor, correlationId?: string): CheckOutcome => ({ status: 'failed', seen, advice, actor, correlationId });

/** The name of each check, in the order they run (docs/protocol.md sections 1-8 for the registry's part). */
export function checkTitle(id: CheckId): string {
  const titles: Record<CheckId, string> = {
    name: l10n.t('Name and cloud'),
    dns: l10n.t('DNS'),
    tls: l10n.t('TLS'),
    challenge: l10n.t('Challenge'),
    signIn: l10n.t('Sign-in'),
    exchange: l10n.t('Exchange'),
    roles: l10n.t('Roles'),
    clock: l10n.t('Clock'),
    engine: l10n.t('Docker engine'),
    credentials: l10n.t('Docker credentials'),
    renewals: l10n.t('What ACR Access did'),
  };
  return titles[id];
}

export function actorName(actor: Actor): string {
  const names: Record<Actor, string> = { you: l10n.t('you'), registryOwner: l10n.t("an owner of the registry (or of its subscription)"), networkAdmin: l10n.t('your network administrator') };
  return names[actor];
}

/**
 * Runs the checks one after the other (later ones use what earlier ones found), each timed; a check that throws
 * fails with the error's message. `onCheck` is told of each result as it comes, for progress.
 */
export async function runChecks(checks: ReadonlyArray<readonly [CheckId, Check]>, inputs: DiagnosisInputs, onCheck?: (result: CheckResult) => void): Promise<CheckResult[]> {
  const findings: Findings = {};
  const results: CheckResult[] = [];
  for (const [id, check] of checks) {
    inputs.signal?.throwIfAborted();
    const startedAt = inputs.now();
    const started = performance.now();
    let outcome: CheckOutcome;
    try {
      outcome = await check(inputs, findings);
    } catch (error) {
      if (inputs.signal?.aborted) throw inputs.signal.reason;
      outcome = failed(error instanceof Error ? error.message : String(error), l10n.t('This check could not finish; the message above says why.'), 'you');
    }
    const result = { id, outcome, startedAt, durationMs: Math.round(performance.now() - started) };
    results.push(result);
    onCheck?.(result);
  }
  return results;
}
