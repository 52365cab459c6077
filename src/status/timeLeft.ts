import * as l10n from '@vscode/l10n';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** Below this much time left the status bar shows seconds and updates every few seconds. */
export const nearExpiryMs = 5 * minute;

/** Time left, as short as it can be read at a glance: "3d 4h", "2h 41m", "41m", "4m 05s", "45s". */
export function formatTimeLeft(ms: number): string {
  const left = Math.max(0, ms);
  if (left >= day) return l10n.t('{0}d {1}h', Math.floor(left / day), Math.floor((left % day) / hour));
  if (left >= hour) return l10n.t('{0}h {1}m', Math.floor(left / hour), Math.floor((left % hour) / minute));
  if (left >= nearExpiryMs) return l10n.t('{0}m', Math.floor(left / minute));
  if (left >= minute) return l10n.t('{0}m {1}s', Math.floor(left / minute), String(Math.floor((left % minute) / second)).padStart(2, '0'));
  return l10n.t('{0}s', Math.floor(left / second));
}

/**
 * How long until the status bar should look again: once a minute with more than an hour left, every few
 * seconds near expiry, and exactly when the warning threshold or expiry is crossed.
 */
export function nextUpdateDelayMs(leftMs: number, warningMs: number): number {
  const cadence = leftMs > hour ? minute : leftMs > nearExpiryMs ? 15 * second : 2 * second;
  const crossings = [leftMs - warningMs, leftMs].filter((until) => until > 0);
  return Math.max(250, Math.min(cadence, ...crossings));
}

export type PasswordExpiryState = 'none' | 'ok' | 'soon' | 'expired';

/** How a password's expiry looks now: soon is within `soonDays`. */
export function passwordExpiryState(expiry: number | undefined, now: number, soonDays = 7): PasswordExpiryState {
  if (expiry === undefined) return 'none';
  if (expiry <= now) return 'expired';
  return expiry - now <= soonDays * 24 * 3600_000 ? 'soon' : 'ok';
}
