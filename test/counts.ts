/** What a tier (or the whole run) ends with. */
export interface Counts {
  passed: number;
  failed: number;
  /** Tests that were there but did not run (mocha's pending: `it.skip`, `it` without a body). */
  skipped: number;
}

/** `N passed, N failed`, and `, N skipped` only when something was skipped. */
export function formatCounts({ passed, failed, skipped }: Counts): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

export function addCounts(all: readonly Counts[]): Counts {
  return all.reduce((sum, counts) => ({ passed: sum.passed + counts.passed, failed: sum.failed + counts.failed, skipped: sum.skipped + counts.skipped }), {
    passed: 0,
    failed: 0,
    skipped: 0,
  });
}
