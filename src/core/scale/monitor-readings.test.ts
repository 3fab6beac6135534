import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readingsFromMonitor } from './monitor-readings.ts';

const m = (n: number) => n * 60_000;

test("the monitor's minutes become readings, each from its minute's start to when its pass saw it", () => {
  const samples = new Map<string, [number, number, number][]>([
    [
      'synapse.rss',
      [
        [m(0), m(0) + 40_000, 100],
        [m(1), m(1) + 41_000, 120],
        [m(5), m(5) + 12_000, 130],
      ],
    ],
  ]);
  assert.deepEqual(readingsFromMonitor(samples, 'synapse_rss'), [
    { from: m(0), at: m(0) + 40_000, value: 100 },
    { from: m(1), at: m(1) + 41_000, value: 120 },
    { from: m(5), at: m(5) + 12_000, value: 130 },
  ]);
});

test('the disk is the fuller of the two filesystems, minute by minute', () => {
  const samples = new Map<string, [number, number, number][]>([
    [
      'disk.docker_root',
      [
        [m(0), m(0) + 5000, 0.5],
        [m(1), m(1) + 5000, 0.6],
      ],
    ],
    [
      'disk.media',
      [
        [m(0), m(0) + 5000, 0.7],
        [m(2), m(2) + 5000, 0.4],
      ],
    ],
  ]);
  assert.deepEqual(
    readingsFromMonitor(samples, 'disk_used')?.map((r) => [r.from, r.value]),
    [
      [m(0), 0.7],
      [m(1), 0.6],
      [m(2), 0.4],
    ],
  );
});

test('a signal the monitor does not measure, or has no samples of, is not held here', () => {
  assert.equal(readingsFromMonitor(new Map(), 'synapse_rss'), undefined);
  assert.equal(readingsFromMonitor(new Map([['synapse.rss', [[0, 1, 1]]]]), 'postgres_cpu'), undefined);
});
