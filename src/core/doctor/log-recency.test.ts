import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOG_WINDOW_MS, judgeLogErrors, parseTimestampedLog, recentSince } from './log-recency.ts';
import type { TimedLine } from './log-recency.ts';

const now = new Date('2026-12-04T18:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const dbError = (m: number): TimedLine => ({
  at: minutesAgo(m),
  text: '2026-12-04 17:00:00,001 - synapse.storage.background_updates - 123 - ERROR - - Error doing update: connection refused',
});
const info = (m: number): TimedLine => ({
  at: minutesAgo(m),
  text: '2026-12-04 17:00:00,001 - synapse.access.http.8008 - 9 - INFO - GET-1 - fine',
});
const rule = { now, windowMs: DEFAULT_LOG_WINDOW_MS, synapseStartedAt: minutesAgo(600) };

test("docker's timestamps are read as UTC, nanoseconds dropped; other lines skipped", () => {
  const lines = parseTimestampedLog(
    '2026-12-04T17:59:01.123456789Z first line\nno timestamp here\n2026-12-04T18:59:02+01:00 second\n',
  );
  assert.deepEqual(
    lines.map((l) => [l.at.toISOString(), l.text]),
    [
      ['2026-12-04T17:59:01.123Z', 'first line'],
      ['2026-12-04T17:59:02.000Z', 'second'],
    ],
  );
});

test('recent begins at the later of Synapse start and now - window', () => {
  assert.deepEqual(recentSince(rule).since, minutesAgo(15));
  assert.match(recentSince(rule).reason, /in the last 15 min/);
  const restarted = recentSince({ ...rule, synapseStartedAt: minutesAgo(3) });
  assert.deepEqual(restarted.since, minutesAgo(3));
  assert.match(restarted.reason, /since Synapse started at 17:57:00Z/);
  assert.deepEqual(recentSince({ ...rule, synapseStartedAt: undefined }).since, minutesAgo(15));
  assert.match(recentSince({ ...rule, windowMs: 90_000 }).reason, /in the last 90 s/);
});

test('an ERROR within the window fails, naming the newest line; older ones are history', () => {
  const f = judgeLogErrors('synapse.log', [dbError(40), dbError(10), dbError(5), info(1)], rule);
  assert.equal(f.status, 'fail');
  assert.match(f.summary, /^2 ERROR\/CRITICAL line\(s\) in Synapse's log in the last 15 min, newest at 17:55:00Z/);
  assert.equal(f.evidence[0], 'newest at 2026-12-04T17:55:00.000Z');
  assert.ok(f.evidence.includes('1 older line(s), newest at 2026-12-04T17:20:00.000Z'));
  assert.ok(f.fix);
});

test('a resolved incident: only older lines → ok, reported as history with the newest time', () => {
  const f = judgeLogErrors('synapse.log', [dbError(50), dbError(30), dbError(20), info(2)], rule);
  assert.equal(f.status, 'ok');
  assert.match(
    f.summary,
    /no ERROR\/CRITICAL line in Synapse's log in the last 15 min; history: 3 older line\(s\), newest at 2026-12-04T17:40:00.000Z/,
  );
  assert.ok(
    f.evidence.some((e) => /^history: 3 × ERROR synapse\.storage\.background_updates: Error doing update/.test(e)),
  );
});

test('a Synapse restart after the incident makes its lines history at once', () => {
  const lines = [dbError(6), dbError(4)];
  assert.equal(judgeLogErrors('synapse.log', lines, rule).status, 'fail');
  const after = judgeLogErrors('synapse.log', lines, { ...rule, synapseStartedAt: minutesAgo(2) });
  assert.equal(after.status, 'ok');
  assert.match(after.summary, /since Synapse started at 17:58:00Z; history: 2 older line/);
  // …but an error after that start still fails.
  assert.equal(
    judgeLogErrors('synapse.log', [...lines, dbError(1)], { ...rule, synapseStartedAt: minutesAgo(2) }).status,
    'fail',
  );
});

test('a CRITICAL fails like an ERROR; no error lines at all is plain ok', () => {
  const critical: TimedLine = {
    at: minutesAgo(1),
    text: '2026-12-04 17:59:00,001 - synapse.storage - 9 - CRITICAL - - Database gone',
  };
  assert.equal(judgeLogErrors('synapse.log', [critical], rule).status, 'fail');
  const quiet = judgeLogErrors('synapse.log', [info(1), info(30)], rule);
  assert.equal(quiet.status, 'ok');
  assert.equal(quiet.summary, 'no ERROR or CRITICAL lines in the last hour of Synapse log');
  assert.deepEqual(quiet.evidence, []);
});
