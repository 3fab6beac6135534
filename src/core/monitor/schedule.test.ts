import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDailyDue, isMonthlyDue, isPingDue, latestSlot, parseTimeOfDay, passDelayMs } from './schedule.ts';
import { isMxError } from '../errors.ts';

// Local times, as the schedule reads them (whatever TZ the test runs in).
const at = (d: number, h: number, m = 0) => new Date(2026, 11, d, h, m);
const three = parseTimeOfDay('03:00', 'MONITOR_BACKUP_AT');

describe('schedule', () => {
  it('reads HH:MM and refuses anything else with the setting named', () => {
    assert.deepEqual(parseTimeOfDay('7:05', 'X'), { hour: 7, minute: 5 });
    for (const bad of ['24:00', '3', '03:60', 'noon'])
      assert.throws(
        () => parseTimeOfDay(bad, 'MONITOR_BACKUP_AT'),
        (e) => isMxError(e) && e.code === 'E_CONFIG_INVALID' && e.message.includes('MONITOR_BACKUP_AT'),
      );
  });

  it("the latest slot is today's once passed, else yesterday's", () => {
    assert.deepEqual(latestSlot(three, at(7, 3, 0)), at(7, 3));
    assert.deepEqual(latestSlot(three, at(7, 2, 59)), at(6, 3));
  });

  it('daily: once per slot; a missed slot is caught up; no surprise first run long after the slot', () => {
    assert.equal(isDailyDue(three, undefined, at(7, 3, 1)), true);
    assert.equal(isDailyDue(three, undefined, at(7, 14)), false);
    assert.equal(isDailyDue(three, at(7, 3, 1), at(7, 3, 2)), false);
    assert.equal(isDailyDue(three, at(7, 3, 1), at(8, 2, 59)), false);
    assert.equal(isDailyDue(three, at(7, 3, 1), at(8, 3, 0)), true);
    // The monitor was down over two slots: one catch-up run.
    assert.equal(isDailyDue(three, at(5, 3, 1), at(7, 14)), true);
  });

  it('monthly: at its slot once the last drill is about 30 days old, or never ran', () => {
    const four = parseTimeOfDay('04:00', 'MONITOR_RESTORE_TEST_AT');
    assert.equal(isMonthlyDue(four, undefined, at(7, 4, 5)), true);
    assert.equal(isMonthlyDue(four, at(1, 4, 5), at(7, 4, 5)), false);
    assert.equal(isMonthlyDue(four, new Date(2026, 10, 7, 4, 5), at(6, 4, 5)), true);
    assert.equal(isMonthlyDue(four, new Date(2026, 10, 7, 4, 5), at(6, 3, 59)), false);
  });

  it("the dead-man's ping: every N minutes, never after a failed pass", () => {
    assert.equal(isPingDue(undefined, 5, at(7, 3), true), true);
    assert.equal(isPingDue(at(7, 3), 5, at(7, 3, 4), true), false);
    assert.equal(isPingDue(at(7, 3), 5, at(7, 3, 5), true), true);
    assert.equal(isPingDue(undefined, 5, at(7, 3), false), false);
  });
});

describe('the next pass', () => {
  const s = 1000;
  it('the interval from the last start; at once when the pass took longer', () => {
    assert.equal(passDelayMs({ lastStart: 0, intervalMs: 60 * s, now: 5 * s }), 55 * s);
    assert.equal(passDelayMs({ lastStart: 0, intervalMs: 60 * s, now: 70 * s }), 0);
  });
  it("sooner when a signal's window ends first; never later than the tick", () => {
    assert.equal(passDelayMs({ lastStart: 0, intervalMs: 60 * s, decisionAt: new Date(20 * s), now: 5 * s }), 15 * s);
    assert.equal(passDelayMs({ lastStart: 0, intervalMs: 60 * s, decisionAt: new Date(90 * s), now: 5 * s }), 55 * s);
  });
  it('a decision already past (a signal the last pass could not read) waits for the tick', () => {
    assert.equal(passDelayMs({ lastStart: 0, intervalMs: 60 * s, decisionAt: new Date(1 * s), now: 5 * s }), 55 * s);
  });
});
