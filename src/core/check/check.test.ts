import { test } from 'node:test';
import assert from 'node:assert/strict';
import { above, below, exitCodeFor, fromFinding, levelOf, worstOf } from './signal.ts';
import { MAX_SAMPLES, MIN_SPACING_MS, estimateFill, judgeFill, withSample } from './disk-rate.ts';
import type { DiskSample } from './disk-rate.ts';
import { parseCheckState } from './state.ts';
import { judgeBackupAge, judgeDrill, judgeOffsite } from './backups.ts';
import type { BackupFacts } from './backups.ts';
import { countersOf, judgeSynapseMetrics } from './synapse-metrics.ts';
import { parseExposition } from './prometheus.ts';
import { fail, warn } from '../doctor/finding.ts';

const H = 3_600_000;
const GIB = 1024 ** 3;

test('levels: thresholds above and below, inclusive; the worst wins; exit 0/1/2', () => {
  const t = above(0.8, 0.9);
  assert.equal(levelOf(0.79, t), 'ok');
  assert.equal(levelOf(0.8, t), 'warn');
  assert.equal(levelOf(0.95, t), 'critical');
  assert.equal(levelOf(5, above(2, null)), 'warn');
  const l = below(0.25, 0.1);
  assert.equal(levelOf(0.5, l), 'ok');
  assert.equal(levelOf(0.2, l), 'warn');
  assert.equal(levelOf(0.05, l), 'critical');
  assert.equal(worstOf([]), 'ok');
  assert.equal(worstOf(['ok', 'critical', 'warn']), 'critical');
  assert.deepEqual([exitCodeFor('ok'), exitCodeFor('warn'), exitCodeFor('critical')], [0, 1, 2]);
});

test('a doctor finding as a signal: fail is critical unless told otherwise; the fix joins the evidence', () => {
  const s = fromFinding(fail('x.y', 'broken', 'do this', ['seen a', 'seen b']));
  assert.equal(s.level, 'critical');
  assert.equal(s.evidence, 'seen a; seen b; fix: do this');
  assert.equal(fromFinding(fail('x', 's', 'f'), { failIs: 'warn' }).level, 'warn');
  assert.equal(fromFinding(warn('x', 's', 'f')).level, 'warn');
});

const sample = (at: number, freeGiB: number): DiskSample => ({ at, freeBytes: freeGiB * GIB, totalBytes: 100 * GIB });

test('disk samples: bounded in count and age, a burst of runs replaces the newest instead of piling up', () => {
  let xs: DiskSample[] = [];
  for (let i = 0; i < MAX_SAMPLES + 50; i++) xs = withSample(xs, sample(i * 5 * 60_000, 50));
  assert.ok(xs.length <= MAX_SAMPLES);
  const t0 = 10 * H;
  let b = [sample(t0, 50), sample(t0 + 10 * 60_000, 49)];
  for (let i = 1; i <= 20; i++) b = withSample(b, sample(t0 + 10 * 60_000 + i * 1000, 49));
  assert.equal(b.length, 3, 'runs 1 s apart keep one newest sample');
  assert.ok((b[2]?.at ?? 0) - (b[1]?.at ?? 0) < MIN_SPACING_MS);
  // older than a day is dropped
  const c = withSample([sample(0, 50)], sample(25 * H, 50));
  assert.equal(c.length, 1);
});

test('fill estimate: not enough samples, not filling, and hours to full from a least-squares line', () => {
  assert.equal(estimateFill([sample(0, 50), sample(60_000, 49)], 60_000).kind, 'not-enough');
  const flat = [sample(0, 50), sample(H, 50), sample(2 * H, 51)];
  assert.equal(estimateFill(flat, 2 * H).kind, 'not-filling');
  // 1 GiB per hour lost, 10 GiB left -> 10 h: critical (under a day)
  const falling = [sample(0, 12), sample(H, 11), sample(2 * H, 10)];
  const e = estimateFill(falling, 2 * H);
  assert.equal(e.kind, 'filling');
  assert.ok(e.kind === 'filling' && Math.abs(e.fullInMs - 10 * H) < 1000);
  const s = judgeFill('disk.media.fill', 'media', e);
  assert.equal(s.level, 'critical');
  assert.match(s.summary, /full in 10\.0 h at 1024\.0 MiB\/h/);
  // 48 GiB left at 1 GiB/h: 2 days -> warn (under a week)
  const slow = [sample(0, 50), sample(H, 49), sample(2 * H, 48)];
  assert.equal(judgeFill('d', 'd', estimateFill(slow, 2 * H)).level, 'warn');
  assert.match(judgeFill('d', 'd', estimateFill([], 0)).summary, /not enough samples yet/);
});

test('state file: a damaged or foreign file starts afresh, bad samples are dropped', () => {
  assert.deepEqual(parseCheckState(undefined), { version: 1, disk: {} });
  assert.deepEqual(parseCheckState('{nope'), { version: 1, disk: {} });
  assert.deepEqual(parseCheckState('{"version":2}'), { version: 1, disk: {} });
  const s = parseCheckState(
    JSON.stringify({
      version: 1,
      lastCheckAt: '2026-12-04T10:00:00.000Z',
      disk: { 'disk.media': [{ at: 1, freeBytes: 2, totalBytes: 3 }, { at: 'x' }] },
    }),
  );
  assert.equal(s.lastCheckAt, '2026-12-04T10:00:00.000Z');
  assert.equal(s.disk['disk.media']?.length, 1);
});

const now = new Date('2026-12-04T12:00:00Z');
const facts = (o: Partial<BackupFacts>): BackupFacts => ({
  now,
  newest: undefined,
  oldest: undefined,
  lastRun: undefined,
  lastBackupRun: undefined,
  offsiteConfigured: false,
  ...o,
});
const ago = (h: number) => new Date(now.getTime() - h * H);

test('backup age: none warns; 26 h warns, 50 h is critical; a failed run warns while a fresh backup exists', () => {
  assert.equal(judgeBackupAge(facts({})).level, 'warn');
  assert.equal(judgeBackupAge(facts({ newest: ago(3) })).level, 'ok');
  assert.equal(judgeBackupAge(facts({ newest: ago(27) })).level, 'warn');
  assert.equal(judgeBackupAge(facts({ newest: ago(51) })).level, 'critical');
  const failedRun = {
    at: ago(1).toISOString(),
    ok: false,
    error: { code: 'E_COMMAND_FAILED', message: 'pg_dump failed' },
    offsite: 'failed' as const,
    seconds: 2,
  };
  const f = judgeBackupAge(facts({ newest: ago(3), lastRun: failedRun }));
  assert.equal(f.level, 'warn');
  assert.match(f.summary, /FAILED: E_COMMAND_FAILED pg_dump failed/);
  assert.equal(judgeBackupAge(facts({ newest: ago(30), lastRun: failedRun })).level, 'critical');
  assert.equal(judgeBackupAge(facts({ lastRun: failedRun })).level, 'critical');
});

test('offsite: not configured is ok (said so); a failed or skipped upload warns', () => {
  const run = { at: ago(1).toISOString(), ok: true, id: 'x', seconds: 1 };
  assert.equal(judgeOffsite(facts({})).value, 'not-configured');
  assert.equal(
    judgeOffsite(facts({ offsiteConfigured: true, lastBackupRun: { ...run, offsite: 'uploaded' } })).level,
    'ok',
  );
  assert.equal(
    judgeOffsite(facts({ offsiteConfigured: true, lastBackupRun: { ...run, offsite: 'failed' } })).level,
    'warn',
  );
  assert.equal(
    judgeOffsite(facts({ offsiteConfigured: true, lastBackupRun: { ...run, offsite: 'skipped' } })).level,
    'warn',
  );
  // a later run that wrote nothing does not hide that the last backup is offsite
  const failed = { at: ago(0).toISOString(), ok: false, offsite: 'skipped' as const, seconds: 1 };
  const after = judgeOffsite(
    facts({ offsiteConfigured: true, lastRun: failed, lastBackupRun: { ...run, offsite: 'uploaded' } }),
  );
  assert.equal(after.level, 'ok');
  assert.match(after.summary, /the last backup \(x\) is offsite too/);
});

test('restore drill: none is fine until 35 days after the first backup; then by the last pass', () => {
  assert.equal(judgeDrill([], { now, oldest: undefined }).level, 'ok');
  assert.match(judgeDrill([], { now, oldest: ago(24) }).summary, /first is due by 2027-01-07/);
  assert.equal(judgeDrill([], { now, oldest: ago(36 * 24) }).level, 'warn');
  const drill = (h: number, ok: boolean) => ({
    at: ago(h).toISOString(),
    ok,
    backupId: 'b',
    rpoSeconds: 60,
    rtoSeconds: 40,
  });
  assert.equal(judgeDrill([drill(24 * 3, true)], { now, oldest: ago(100) }).level, 'ok');
  assert.equal(judgeDrill([drill(24 * 40, true)], { now, oldest: ago(100) }).level, 'warn');
  assert.equal(judgeDrill([drill(24 * 70, true)], { now, oldest: ago(100) }).level, 'critical');
  assert.equal(judgeDrill([drill(48, true), drill(1, false)], { now, oldest: ago(100) }).level, 'warn');
  assert.equal(judgeDrill([drill(1, false)], { now, oldest: ago(100) }).level, 'critical');
});

const scrape = (o: {
  sends: [number, number, number];
  ok: number;
  bad: number;
  wait: [number, number];
  start?: number;
}) =>
  parseExposition(`process_resident_memory_bytes 3e9
process_start_time_seconds ${o.start ?? 1000}
synapse_http_server_responses_total{code="200",method="GET"} ${o.ok}
synapse_http_server_responses_total{code="500",method="GET"} ${o.bad}
synapse_http_server_response_time_seconds_bucket{code="200",le="1.0",servlet="RoomSendEventRestServlet"} ${o.sends[0]}
synapse_http_server_response_time_seconds_bucket{code="200",le="10.0",servlet="RoomSendEventRestServlet"} ${o.sends[1]}
synapse_http_server_response_time_seconds_bucket{code="200",le="+Inf",servlet="RoomSendEventRestServlet"} ${o.sends[2]}
synapse_http_server_response_time_seconds_bucket{code="500",le="+Inf",servlet="RoomSendEventRestServlet"} 99
synapse_storage_schedule_time_sum ${o.wait[0]}
synapse_storage_schedule_time_count ${o.wait[1]}
synapse_federation_transaction_queue_pending_pdus 1500
synapse_background_update_status{database_name="master"} -1
`).samples;

test('synapse metrics: rates since the last scrape, or since start after a restart; thresholds applied', () => {
  const s1 = scrape({ sends: [100, 100, 100], ok: 1000, bad: 0, wait: [1, 1000] });
  const c1 = countersOf(s1, 0);
  // since the last check: 100 more sends, all between 1 and 10 s; 100 requests of which 10 are 5xx
  const s2 = scrape({ sends: [100, 200, 200], ok: 1090, bad: 10, wait: [101, 1100] });
  const byId = new Map(judgeSynapseMetrics(s2, countersOf(s2, 60_000), c1).map((s) => [s.id, s]));
  const p99 = byId.get('synapse.event_send_p99');
  assert.equal(p99?.level, 'warn');
  assert.ok(typeof p99.value === 'number' && p99.value > 5 && p99.value < 10);
  assert.match(p99.summary, /over 100 sends since the last check 60 s ago/);
  assert.equal(byId.get('synapse.http_5xx_ratio')?.level, 'critical');
  assert.equal(byId.get('synapse.http_5xx_ratio')?.value, 0.1);
  assert.equal(byId.get('synapse.db_pool_wait')?.value, 1);
  assert.equal(byId.get('synapse.db_pool_wait')?.level, 'warn');
  assert.equal(byId.get('synapse.rss')?.level, 'warn');
  assert.equal(byId.get('synapse.federation_pending_pdus')?.level, 'warn');
  assert.equal(byId.get('synapse.background_updates')?.level, 'critical');
  // Synapse restarted (a new start time): the rates cover its whole uptime, and say so
  const s3 = scrape({ sends: [5, 5, 5], ok: 30, bad: 0, wait: [0.03, 30], start: 2000 });
  const r = new Map(judgeSynapseMetrics(s3, countersOf(s3, 120_000), c1).map((s) => [s.id, s]));
  assert.match(r.get('synapse.event_send_p99')?.summary ?? '', /over 5 sends since Synapse started/);
  assert.equal(r.get('synapse.event_send_p99')?.level, 'ok');
  assert.equal(r.get('synapse.http_5xx_ratio')?.level, 'ok');
  // too few requests say nothing
  const s4 = scrape({ sends: [0, 0, 0], ok: 3, bad: 2, wait: [0, 0], start: 3000 });
  const q = new Map(judgeSynapseMetrics(s4, countersOf(s4, 0), undefined).map((s) => [s.id, s]));
  assert.match(q.get('synapse.http_5xx_ratio')?.summary ?? '', /too few requests/);
  assert.match(q.get('synapse.event_send_p99')?.summary ?? '', /no message sent/);
});

test('synapse metrics: the p99 past the top bucket is critical, shown as a floor', () => {
  const s = scrape({ sends: [0, 0, 10], ok: 0, bad: 0, wait: [0, 0] });
  const p99 = judgeSynapseMetrics(s, countersOf(s, 0), undefined).find((x) => x.id === 'synapse.event_send_p99');
  assert.equal(p99?.level, 'critical');
  assert.match(p99?.summary ?? '', /over 10 s \(the histogram's top bucket\)/);
});
