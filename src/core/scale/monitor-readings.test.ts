import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readingsFromMonitor } from './monitor-readings.ts';

const m = (n: number) => n * 60_000;

test("the monitor's minutes become readings, each speaking for its own minute, the running one up to now", () => {
  const samples = new Map<string, [number, number][]>([
    [
      'synapse.rss',
      [
        [m(0), 100],
        [m(1), 120],
        [m(5), 130],
      ],
    ],
  ]);
  assert.deepEqual(readingsFromMonitor(samples, 'synapse_rss', m(5) + 20_000), [
    { from: m(0), at: m(1), value: 100 },
    { from: m(1), at: m(2), value: 120 },
    { from: m(5), at: m(5) + 20_000, value: 130 },
  ]);
});

test('the disk is the fuller of the two filesystems, minute by minute', () => {
  const samples = new Map<string, [number, number][]>([
    [
      'disk.docker_root',
      [
        [m(0), 0.5],
        [m(1), 0.6],
      ],
    ],
    [
      'disk.media',
      [
        [m(0), 0.7],
        [m(2), 0.4],
      ],
    ],
  ]);
  assert.deepEqual(
    readingsFromMonitor(samples, 'disk_used', m(10))?.map((r) => [r.from, r.value]),
    [
      [m(0), 0.7],
      [m(1), 0.6],
      [m(2), 0.4],
    ],
  );
});

test('a signal the monitor does not measure, or has no samples of, is not held here', () => {
  assert.equal(readingsFromMonitor(new Map(), 'synapse_rss', 0), undefined);
  assert.equal(readingsFromMonitor(new Map([['synapse.rss', [[0, 1]]]]), 'postgres_cpu', 0), undefined);
});
