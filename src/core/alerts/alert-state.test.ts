import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { advance, DEFAULT_POLICY, nextDecisionAt, windowOf } from './alert-state.ts';
import type { AlertState, Observation } from './alert-state.ts';

const t0 = Date.parse('2026-12-04T21:00:00.000Z');
const min = 60_000;
const down: Observation = {
  id: 'synapse.health',
  level: 'critical',
  summary: 'Synapse does not answer',
  evidence: 'refused',
};
const up: Observation = { ...down, level: 'ok', summary: 'Synapse answers', evidence: '200' };

/** Runs passes at the given minutes; returns every alert as "minute status severity". */
function run(passes: [number, Observation[]][], state: AlertState = {}): { log: string[]; state: AlertState } {
  const log: string[] = [];
  for (const [m, obs] of passes) {
    const r = advance(state, obs, { now: new Date(t0 + m * min), server: 'example.org', policy: DEFAULT_POLICY });
    state = r.state;
    for (const a of r.alerts) log.push(`${m} ${a.status} ${a.severity} ${a.key}`);
  }
  return { log, state };
}

describe('when a problem becomes an alert', () => {
  it('only after its window: a one-minute spike says nothing', () => {
    assert.deepEqual(
      run([
        [0, [down]],
        [1, [up]],
        [2, [up]],
      ]).log,
      [],
    );
  });

  it('once when it holds, then one resolved when it is fixed', () => {
    const { log, state } = run([
      [0, [down]],
      [1, [down]],
      [2, [down]],
      [3, [down]],
      [4, [up]],
      [5, [up]],
      [6, [up]],
    ]);
    // ok from minute 4, for its 2-minute window: resolved at 6.
    assert.deepEqual(log, ['2 firing critical synapse.health', '6 resolved critical synapse.health']);
    assert.deepEqual(state, {});
  });

  it('a flapping problem stays one alert: ok for less than its window and wrong again says nothing', () => {
    const { log, state } = run([
      [0, [down]],
      [2, [down]],
      [3, [up]],
      [4, [down]],
      [5, [up]],
      [6, [down]],
      [7, [up]],
      [8, [up]],
      [9, [up]],
    ]);
    assert.deepEqual(log, ['2 firing critical synapse.health', '9 resolved critical synapse.health']);
    assert.deepEqual(state, {});
  });

  it('again when it gets worse, and after the quiet period; not in between', () => {
    const warn = { ...down, level: 'warn' as const };
    const passes: [number, Observation[]][] = [
      [0, [warn]],
      [2, [warn]],
      [3, [down]],
      [10, [down]],
      [3 + 240, [down]],
    ];
    assert.deepEqual(run(passes).log, [
      '2 firing warning synapse.health',
      '3 firing critical synapse.health',
      '243 firing critical synapse.health',
    ]);
  });

  it('survives a restart: the state read back fires nothing twice', () => {
    const first = run([
      [0, [down]],
      [2, [down]],
    ]);
    assert.deepEqual(first.log, ['2 firing critical synapse.health']);
    const reread = JSON.parse(JSON.stringify(first.state)) as AlertState;
    assert.deepEqual(
      run(
        [
          [3, [down]],
          [4, [down]],
        ],
        reread,
      ).log,
      [],
    );
  });

  it('a signal not reported keeps its state; a resolved one never alerted says nothing', () => {
    const { log, state } = run([
      [0, [down]],
      [5, []],
    ]);
    assert.deepEqual(log, []);
    assert.ok(state['synapse.health'] !== undefined);
    assert.deepEqual(
      run([
        [0, [down]],
        [1, [up]],
      ]).log,
      [],
    );
  });

  it('windows by id prefix: disk slow, backups at once', () => {
    assert.equal(windowOf('disk.media', DEFAULT_POLICY), 600_000);
    assert.equal(windowOf('backup.age', DEFAULT_POLICY), 0);
    assert.equal(windowOf('synapse.health', DEFAULT_POLICY), 120_000);
  });
});

describe('when the next decision is due', () => {
  const disk: Observation = { id: 'disk.media', level: 'warn', summary: 'media 85 %', evidence: '' };

  it('nothing waiting: none; one waiting: its first sighting plus its window', () => {
    assert.equal(nextDecisionAt({}, DEFAULT_POLICY), undefined);
    const { state } = run([[0, [down]]]);
    assert.equal(nextDecisionAt(state, DEFAULT_POLICY)?.getTime(), t0 + 2 * min);
  });

  it('the earliest of several windows; an alert already sent waits for nothing', () => {
    const { state } = run([
      [0, [disk]],
      [3, [disk, down]],
    ]);
    // disk: 0 + 10 min; Synapse: 3 + 2 min
    assert.equal(nextDecisionAt(state, DEFAULT_POLICY)?.getTime(), t0 + 5 * min);
    const fired = run([[5, [disk, down]]], state).state;
    assert.equal(nextDecisionAt(fired, DEFAULT_POLICY)?.getTime(), t0 + 10 * min);
  });

  it('an alerted problem seen ok again: due to resolve a window later', () => {
    const { state } = run([
      [0, [down]],
      [2, [down]],
      [3, [up]],
    ]);
    assert.equal(nextDecisionAt(state, DEFAULT_POLICY)?.getTime(), t0 + 5 * min);
  });
});
