import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUNS_KEPT, failedRun, offsiteOutcome, parseRuns, withRun } from './run-record.ts';

const run = (i: number) => ({
  at: new Date(i * 1000).toISOString(),
  ok: true,
  id: `b${i}`,
  offsite: 'uploaded' as const,
  seconds: 1,
});

test('backup runs: appended oldest first, bounded, a damaged file reads as none', () => {
  let text: string | undefined;
  for (let i = 0; i < RUNS_KEPT + 5; i++) text = JSON.stringify(withRun(text, run(i)));
  const runs = parseRuns(text);
  assert.equal(runs.length, RUNS_KEPT);
  assert.equal(runs.at(-1)?.id, `b${RUNS_KEPT + 4}`);
  assert.deepEqual(parseRuns('{broken'), []);
  assert.deepEqual(parseRuns('[{"at": 5}, {"at": "x", "ok": true}]').length, 1);
});

test('a failed run records its code and message, and no offsite copy', () => {
  const r = failedRun(new Date(0), { code: 'E_DATABASE', message: 'pg_dump: connection refused' }, 2);
  assert.deepEqual(r.error, { code: 'E_DATABASE', message: 'pg_dump: connection refused' });
  assert.equal(r.ok, false);
  assert.equal(r.offsite, 'skipped');
  assert.equal(failedRun(new Date(0), { message: 'boom' }, 0).error?.code, 'E_INTERNAL');
  assert.equal(offsiteOutcome({ localOnly: true, configured: true, failed: false }), 'skipped');
  assert.equal(offsiteOutcome({ localOnly: false, configured: false, failed: false }), 'not-configured');
  assert.equal(offsiteOutcome({ localOnly: false, configured: true, failed: true }), 'failed');
  assert.equal(offsiteOutcome({ localOnly: false, configured: true, failed: false }), 'uploaded');
});
