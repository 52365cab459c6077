import * as l10n from '@vscode/l10n';
import { AcrError } from '../acr/errors';

/** Waits between attempts: a fresh token password can take up to a minute to work (docs/protocol.md section 9). */
export const freshPasswordBackoffMs: readonly number[] = [2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000];

export type FreshPasswordResult = { readonly kind: 'accepted'; readonly attempts: number } | { readonly kind: 'notYet'; readonly attempts: number };

export interface FreshPasswordOptions {
  /** Waits this long (injected, so tests do not sleep). */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before each wait, so the user sees that a refusal is expected and retried. */
  readonly onRetry?: (attempt: number, waitMs: number) => void;
  readonly backoffMs?: readonly number[];
  readonly signal?: AbortSignal;
}

/**
 * Checks a password generated moments ago. A refusal is expected at first, so it is retried with backoff and
 * never reported as a wrong password: after the last attempt the answer is `notYet`. Any other failure
 * (network, host not trusted) is thrown as it is.
 */
export async function checkFreshPassword(check: () => Promise<void>, options: FreshPasswordOptions): Promise<FreshPasswordResult> {
  const backoff = options.backoffMs ?? freshPasswordBackoffMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await check();
      return { kind: 'accepted', attempts: attempt };
    } catch (error) {
      if (!(error instanceof AcrError && error.kind === 'credentialsRejected')) throw error;
      const wait = backoff[attempt - 1];
      if (wait === undefined) return { kind: 'notYet', attempts: attempt };
      options.onRetry?.(attempt, wait);
      await options.sleep(wait, options.signal);
    }
  }
}

/** What the panel says while it waits. */
export function freshPasswordRetryMessage(attempt: number, waitMs: number): string {
  return l10n.t('Not accepted yet (attempt {0}); new passwords take up to a minute to work. Trying again in {1} s...', attempt, Math.round(waitMs / 1000));
}

export function freshPasswordResultMessage(result: FreshPasswordResult): string {
  if (result.kind === 'accepted') return l10n.t('The registry accepts the password.');
  return result.attempts === 1
    ? l10n.t('The registry has not accepted the password yet after 1 attempt. New passwords can take a little longer; try again in a minute.')
    : l10n.t('The registry has not accepted the password yet after {0} attempts. New passwords can take a little longer; try again in a minute.', result.attempts);
}
