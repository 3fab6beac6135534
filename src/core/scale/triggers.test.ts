import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpan, judgeSignal, parseWindow } from './triggers.ts';
import type { Reading } from './triggers.ts';

const S = 1000;
/** Readings every `step` seconds ending at `now`, one value each. */
const series = (now: number, step: number, values: (number | null)[]): Reading[] =>
  values.map((value, i) => {
    const at = now - (values.length - 1 - i) * step * S;
    return { from: at - step * S, at, value };
  });

describe('a scaling signal judged over its window', () => {
  const now = 1_000_000_000;
  it('fires only when over for the whole window', () => {
    const j = judgeSignal(series(now, 60, Array<number>(30).fill(3)), 2, 30 * 60 * S, now);
    assert.equal(j.verdict, 'fired');
    assert.equal(j.heldMs, 30 * 60 * S);
    assert.equal(j.current, 3);
  });
  it('a short spike does not fire, and is named a spike', () => {
    const v = Array<number>(30).fill(1);
    v[10] = 9;
    const j = judgeSignal(series(now, 60, v), 2, 30 * 60 * S, now);
    assert.equal(j.verdict, 'spike');
    assert.equal(j.peak, 9);
    assert.equal(j.heldMs, 0);
  });
  it('over lately but not for the window: building, with how long it held', () => {
    const v = [...Array<number>(25).fill(1), ...Array<number>(5).fill(3)];
    const j = judgeSignal(series(now, 60, v), 2, 30 * 60 * S, now);
    assert.equal(j.verdict, 'building');
    assert.equal(j.heldMs, 5 * 60 * S);
  });
  it('over in every reading of a history shorter than the window: unproven, not fired', () => {
    const j = judgeSignal(series(now, 10, [3, 3, 3, 3, 3]), 2, 30 * 60 * S, now);
    assert.equal(j.verdict, 'unproven');
    assert.equal(j.coveredMs, 50 * S);
  });
  it('nothing to measure (null) is not over; no readings is unknown', () => {
    assert.equal(judgeSignal(series(now, 10, [null, null, 3]), 2, 30 * S, now).verdict, 'building');
    assert.equal(judgeSignal(series(now, 10, [null, null]), 2, 20 * S, now).verdict, 'quiet');
    assert.equal(judgeSignal([], 2, 20 * S, now).verdict, 'unknown');
  });
  it('readings older than the window are not counted', () => {
    const old = series(now - 3600 * S, 60, [9, 9, 9]);
    const j = judgeSignal([...old, ...series(now, 60, [1, 1])], 2, 10 * 60 * S, now);
    assert.equal(j.verdict, 'quiet');
    assert.equal(j.peak, 1);
  });
  it('windows parse and print', () => {
    assert.equal(parseWindow('30m'), 30 * 60 * S);
    assert.equal(parseWindow('1h30m'), 90 * 60 * S);
    assert.equal(parseWindow('15s'), 15 * S);
    for (const bad of ['', '30', 'm', '0s', '8d', '1.5h', '30 m']) assert.equal(parseWindow(bad), undefined, bad);
    assert.equal(formatSpan(90 * S), '90s');
    assert.equal(formatSpan(30 * 60 * S), '30m');
    assert.equal(formatSpan(150 * 60 * S), '2h30m');
  });
});
