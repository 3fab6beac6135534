import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, isoWeekKey, planRetention } from './retention.ts';
import type { RetentionCandidate } from './retention.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 0, 1, 3, 0, 0);

function daily(n: number, verified: (i: number) => boolean = () => true): RetentionCandidate[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `b${String(i).padStart(3, '0')}`,
    createdAt: new Date(start + i * day),
    verified: verified(i),
  }));
}

test('an empty listing or an empty policy prunes nothing (fails closed)', () => {
  assert.equal(planRetention([], DEFAULT_POLICY).ok, false);
  assert.equal(planRetention(daily(3), { daily: 0, weekly: 0, monthly: 0 }).ok, false);
});

test('a year of dailies keeps 7 daily + 4 weekly + 6 monthly (overlapping), removes the rest', () => {
  const plan = planRetention(daily(365), DEFAULT_POLICY);
  assert.ok(plan.ok);
  if (!plan.ok) return;
  const kept = plan.keep.map((k) => k.id);
  for (let i = 358; i < 365; i++) assert.ok(kept.includes(`b${i}`), `daily b${i}`);
  assert.ok(kept.length >= 7 && kept.length <= 17, `kept ${kept.length}`);
  assert.equal(plan.keep.length + plan.remove.length, 365);
  const months = new Set(plan.keep.filter((k) => k.reasons.some((r) => r.startsWith('monthly'))).map((k) => k.id));
  assert.equal(months.size, 6);
  assert.deepEqual(plan.keep[0]?.reasons.includes('newest'), true);
});

test('the newest verified backup is never deleted, however old', () => {
  const backups = daily(60, (i) => i === 2);
  const plan = planRetention(backups, { daily: 3, weekly: 0, monthly: 0 });
  assert.ok(plan.ok);
  if (!plan.ok) return;
  const b2 = plan.keep.find((k) => k.id === 'b002');
  assert.deepEqual(b2?.reasons, ['newest verified']);
  assert.ok(!plan.remove.includes('b002'));
  assert.equal(plan.keep.length, 4);
});

test('several backups a day: only the newest of the day counts for that day', () => {
  const same: RetentionCandidate[] = [0, 1, 2].map((h) => ({
    id: `h${h}`,
    createdAt: new Date(start + h * 3_600_000),
    verified: false,
  }));
  const plan = planRetention(same, { daily: 7, weekly: 0, monthly: 0 });
  assert.ok(plan.ok);
  if (!plan.ok) return;
  assert.deepEqual(
    plan.keep.map((k) => k.id),
    ['h2'],
  );
  assert.deepEqual(plan.remove, ['h1', 'h0']);
});

test('ISO weeks: Monday starts a week; the first Thursday decides week 1', () => {
  assert.equal(isoWeekKey(new Date(Date.UTC(2026, 0, 1))), '2026-W01'); // a Thursday
  assert.equal(isoWeekKey(new Date(Date.UTC(2025, 11, 29))), '2026-W01'); // Monday of that week
  assert.equal(isoWeekKey(new Date(Date.UTC(2027, 0, 1))), '2026-W53');
});
