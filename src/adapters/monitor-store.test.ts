import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HISTORY_KEPT_MS, MonitorStore } from './monitor-store.ts';
import { signal } from '../core/check/signal.ts';
import type { Alert } from '../core/alerts/alert.ts';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const alert = (key: string, status: Alert['status'] = 'firing'): Alert => ({
  key,
  status,
  severity: 'critical',
  summary: `${key} is down`,
  detail: 'seen',
  server: 'example.org',
  since: new Date(T0).toISOString(),
  at: new Date(T0).toISOString(),
  test: false,
});
const pass = (at: number, rss: number) => ({
  at: new Date(at),
  level: 'ok' as const,
  durationMs: 10,
  signals: [signal('synapse.rss', 'ok', 'rss', { value: rss, unit: 'bytes' }), signal('stack.synapse', 'ok', 'up')],
});

describe('the monitor store', () => {
  let dir: string;
  let path: string;
  let store: MonitorStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mx-store-'));
    path = join(dir, 'monitor.db');
    store = MonitorStore.open(path);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is created 0600, and what a pass committed is there after a reopen', async () => {
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const state = { 'stack.synapse': { level: 'critical' as const, since: 'x', summary: 's', evidence: 'e' } };
    store.recordPass(pass(T0, 100), state, [alert('stack.synapse')], ['webhook', 'ntfy']);
    store.close();
    store = MonitorStore.open(path);
    assert.deepEqual(store.alertState(), state);
    assert.equal(store.latestPass()?.signals.length, 2);
    assert.equal(store.fact<number>('passes'), 1);
    assert.deepEqual(
      store.pending().map((p) => [p.outboxId, p.channel, p.alert.key]),
      [
        [1, 'ntfy', 'stack.synapse'],
        [1, 'webhook', 'stack.synapse'],
      ],
    );
  });

  it('one row per signal per minute: passes faster than a minute replace, not pile up', () => {
    for (let i = 0; i < 12; i++) store.recordPass(pass(T0 + i * 5_000, i), {}, [], []);
    assert.deepEqual(store.samples(T0).get('synapse.rss'), [[T0, 11]]);
    // With when the minute's last pass saw it (what scale check reads).
    assert.deepEqual(store.observations(T0).get('synapse.rss'), [[T0, T0 + 55_000, 11]]);
    assert.deepEqual(store.counts(), { samples: 2, passes: 1, outbox: 0 });
    assert.equal(store.fact<number>('passes'), 12);
  });

  it('rows older than 30 days are deleted by a later pass; a string-valued signal keeps its level only', () => {
    store.recordPass(pass(T0, 1), {}, [], []);
    store.recordPass(pass(T0 + 60_000, 2), {}, [], []);
    store.recordPass(pass(T0 + HISTORY_KEPT_MS + 30_000, 3), {}, [], []);
    assert.deepEqual(
      store
        .samples(0)
        .get('synapse.rss')
        ?.map(([, v]) => v),
      [2, 3],
    );
    assert.equal(store.samples(0).has('stack.synapse'), false);
    assert.equal(store.counts().samples, 4);
  });

  it('per-channel marks: delivered leaves the queue, failed stays with its back-off and reason', () => {
    const [id] = store.recordPass(pass(T0, 1), {}, [alert('a')], ['webhook', 'ntfy']);
    assert.equal(id, 1);
    store.markDelivered(1, 'ntfy', new Date(T0 + 1));
    store.markFailed(1, 'webhook', T0 + 30_000, 'HTTP 503');
    const left = store.pending();
    assert.equal(left.length, 1);
    assert.deepEqual(
      [left[0]?.channel, left[0]?.attempts, left[0]?.nextAt, left[0]?.lastError],
      ['webhook', 1, T0 + 30_000, 'HTTP 503'],
    );
    assert.equal(store.drop('webhook', 'no longer configured'), 1);
    assert.equal(store.pending().length, 0);
  });

  it('a delivered alert leaves the outbox once old; an undelivered one is never deleted', () => {
    store.recordPass(pass(T0, 1), {}, [alert('a'), alert('b')], ['webhook']);
    store.markDelivered(1, 'webhook', new Date(T0));
    store.recordPass(pass(T0 + HISTORY_KEPT_MS + 60_000, 1), {}, [], []);
    assert.equal(store.counts().outbox, 1);
    assert.deepEqual(
      store.pending().map((p) => p.alert.key),
      ['b'],
    );
  });

  it('a reader opens it while the writer holds it (WAL)', () => {
    store.recordPass(pass(T0, 1), {}, [alert('a')], ['ntfy']);
    const reader = MonitorStore.openReadOnly(path);
    try {
      assert.equal(reader.pending().length, 1);
    } finally {
      reader.close();
    }
  });

  it('a pass that fails part-way leaves nothing of itself: not its samples, state nor alerts', () => {
    store.recordPass(pass(T0, 1), { a: { level: 'warn', since: 'x', summary: 's', evidence: 'e' } }, [], ['ntfy']);
    const broken = { ...alert('b'), detail: 1n } as unknown as Alert;
    assert.throws(() => store.recordPass(pass(T0 + 60_000, 2), {}, [broken], ['ntfy']), /BigInt/);
    assert.deepEqual(Object.keys(store.alertState()), ['a']);
    assert.equal(store.samples(0).get('synapse.rss')?.length, 1);
    assert.equal(store.fact<number>('passes'), 1);
    assert.equal(store.pending().length, 0);
  });
});
