import assert from 'node:assert/strict';
import { addCounts, formatCounts } from '../counts';

describe('test runner: the summary line', () => {
  it('names skipped tests when some were skipped', () => {
    assert.equal(formatCounts({ passed: 12, failed: 1, skipped: 2 }), '12 passed, 1 failed, 2 skipped');
  });

  it('keeps the two-part line when nothing was skipped', () => {
    assert.equal(formatCounts({ passed: 12, failed: 0, skipped: 0 }), '12 passed, 0 failed');
  });

  it('adds the skipped of every tier to the total', () => {
    assert.deepEqual(
      addCounts([
        { passed: 3, failed: 0, skipped: 1 },
        { passed: 4, failed: 2, skipped: 0 },
        { passed: 0, failed: 0, skipped: 5 },
      ]),
      { passed: 7, failed: 2, skipped: 6 },
    );
  });
});
