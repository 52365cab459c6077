import * as l10n from '@vscode/l10n';
import assert from 'node:assert/strict';
import { formatTimeLeft, nextUpdateDelayMs } from '../../src/status/timeLeft';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

describe('status: time left as the status bar shows it', () => {
  const cases: Array<[string, number, string]> = [
    ['days and hours from a day up', 3 * day + 4 * hour + 59 * minute, '3d 4h'],
    ['exactly one day as days', day, '1d 0h'],
    ['just under a day as hours', day - 1, '23h 59m'],
    ['hours and minutes from an hour up', 2 * hour + 41 * minute + 59 * second, '2h 41m'],
    ['exactly one hour as hours', hour, '1h 0m'],
    ['just under an hour as minutes only', hour - 1, '59m'],
    ['minutes only from five minutes up', 41 * minute + 30 * second, '41m'],
    ['exactly five minutes as minutes only', 5 * minute, '5m'],
    ['just under five minutes with seconds', 5 * minute - 1, '4m 59s'],
    ['seconds with a leading zero under five minutes', 4 * minute + 5 * second, '4m 05s'],
    ['exactly one minute with seconds', minute, '1m 00s'],
    ['seconds only under a minute', 45 * second + 999, '45s'],
    ['less than a second as 0s', 999, '0s'],
    ['zero as 0s', 0, '0s'],
    ['a negative time (already expired) as 0s', -3 * minute, '0s'],
  ];
  for (const [name, ms, text] of cases) {
    it(`shows ${name}: ${ms} ms -> "${text}"`, () => {
      assert.equal(formatTimeLeft(ms), text);
    });
  }

  describe('with a translation bundle', () => {
    afterEach(() => l10n.config({ contents: {} }));

    it('takes the format from the bundle, with the numbers filled in', () => {
      l10n.config({ contents: { '{0}h {1}m': '{0} Std. {1} Min.' } });

      assert.equal(formatTimeLeft(2 * hour + 41 * minute), '2 Std. 41 Min.');
    });
  });
});

describe('status: when the status bar looks again', () => {
  const warning = 15 * minute;
  const cases: Array<[string, number, number, number]> = [
    ['once a minute with hours left', 3 * hour, warning, minute],
    ['once a minute just over an hour left', hour + 1, warning, minute],
    ['every 15 s at exactly one hour left', hour, warning, 15 * second],
    ['every 15 s with half an hour left', 30 * minute, warning, 15 * second],
    ['exactly when the warning threshold is crossed, when that comes before the next tick', warning + 10 * second, warning, 10 * second],
    ['every 15 s at exactly the warning threshold (it is reached, nothing left to wait for)', warning, warning, 15 * second],
    ['every 15 s just over five minutes left', 5 * minute + 1, warning, 15 * second],
    ['every 2 s at exactly five minutes left', 5 * minute, warning, 2 * second],
    ['every 2 s with a minute left', minute, warning, 2 * second],
    ['exactly at expiry when that comes before the next tick', 1500, warning, 1500],
    ['not sooner than 250 ms right before expiry', 100, warning, 250],
    ['not sooner than 250 ms right before the warning threshold', warning + 100, warning, 250],
    ['every 2 s once expired', 0, warning, 2 * second],
    ['every 2 s long after expiry', -hour, warning, 2 * second],
    ['on the usual cadence with no warning threshold', warning + 10 * second, 0, 15 * second],
    ['at a warning threshold days away (token passwords) when it comes within the minute', 7 * day + 30 * second, 7 * day, 30 * second],
    ['once a minute with weeks left before a days-long warning threshold', 30 * day, 7 * day, minute],
  ];
  for (const [name, leftMs, warningMs, delay] of cases) {
    it(`${name}: ${leftMs} ms left, warning at ${warningMs} ms -> ${delay} ms`, () => {
      assert.equal(nextUpdateDelayMs(leftMs, warningMs), delay);
    });
  }

  it('never waits past the warning threshold or expiry, never longer than a minute, never less than 250 ms', () => {
    for (const warningMs of [0, minute, warning, 2 * hour]) {
      for (let leftMs = -minute; leftMs <= 3 * hour; leftMs += 997) {
        const delay = nextUpdateDelayMs(leftMs, warningMs);
        const context = `${leftMs} ms left, warning at ${warningMs} ms: ${delay} ms`;
        assert.ok(delay >= 250 && delay <= minute, context);
        if (leftMs > warningMs) assert.ok(delay <= Math.max(250, leftMs - warningMs), context);
        if (leftMs > 0) assert.ok(delay <= Math.max(250, leftMs), context);
        if (leftMs <= 5 * minute) assert.ok(delay <= 2 * second, context);
      }
    }
  });
});
