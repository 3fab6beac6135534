import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statusModel } from './status-from-history.ts';
import { above, below, signal } from '../check/signal.ts';
import { CHARTED } from './status-series.ts';

const now = new Date('2026-12-07T12:00:00Z');
const H = 3_600_000;

describe('the status page model from the history', () => {
  const signals = [
    signal('synapse.rss', 'ok', 'rss', { value: 200 * 1024 ** 2, unit: 'bytes', threshold: above(null, null) }),
    signal('disk.media', 'warn', 'media 85 %', { value: 0.85, unit: 'ratio', threshold: above(0.8, 0.9) }),
    signal('tls.matrix.example.org', 'ok', 'cert', { value: 0.5, unit: 'ratio', threshold: below(0.25, 0.1) }),
    signal('stack.synapse', 'critical', 'Synapse is not running'),
  ];
  const model = statusModel(
    {
      serverName: 'example.org',
      latest: { at: now.toISOString(), signals },
      alertState: {
        'stack.synapse': {
          level: 'critical',
          since: '2026-12-07T11:50:00.000Z',
          summary: 'Synapse is not running',
          evidence: '',
          notified: { at: '2026-12-07T11:52:00.000Z', severity: 'critical' },
        },
        // Wrong, but not for its window yet: not an alert.
        'disk.media': { level: 'warn', since: '2026-12-07T11:59:00.000Z', summary: 'media 85 %', evidence: '' },
      },
      samples: new Map([
        [
          'synapse.rss',
          [
            [now.getTime() - 25 * H, 100 * 1024 ** 2],
            [now.getTime() - H, 150 * 1024 ** 2],
          ],
        ],
        ['disk.media', [[now.getTime() - 60_000, 0.85]]],
        ['tls.matrix.example.org', [[now.getTime() - 60_000, 0.5]]],
      ]),
    },
    now,
  );

  it('the worst level of the latest pass, its signals, and only the alerts sent', () => {
    assert.equal(model.serverName, 'example.org');
    assert.equal(model.generatedAt, now.toISOString());
    assert.equal(model.level, 'critical');
    assert.equal(model.signals.length, 4);
    assert.deepEqual(model.alerts, [
      {
        id: 'stack.synapse',
        severity: 'critical',
        since: '2026-12-07T11:50:00.000Z',
        summary: 'Synapse is not running',
      },
    ]);
  });

  it("series: the last 24 h only, in the signal's own unit, with the thresholds of the latest pass", () => {
    const by = new Map(model.series.map((s) => [s.id, s]));
    assert.deepEqual(by.get('synapse.rss')?.points, [[now.getTime() - H, 150 * 1024 ** 2]]);
    assert.equal(by.get('synapse.rss')?.unit, 'bytes');
    assert.equal(by.get('synapse.rss')?.warn, undefined);
    assert.deepEqual(by.get('disk.media'), {
      id: 'disk.media',
      label: 'Disk used: media store',
      unit: 'ratio',
      points: [[now.getTime() - 60_000, 0.85]],
      warn: 0.8,
      critical: 0.9,
    });
    assert.equal(by.get('tls.matrix.example.org')?.label, 'Certificate life left: matrix.example.org');
    assert.equal(by.get('tls.matrix.example.org')?.critical, 0.1);
    // A chart without samples yet is still listed (an empty chart says "no data", not "fine").
    assert.deepEqual(by.get('backup.last')?.points, []);
    // The page's own order: the charted signals, then one per certificate.
    assert.deepEqual(
      model.series.map((s) => s.id),
      [...CHARTED.map((c) => c.id), 'tls.matrix.example.org'],
    );
  });

  it('before the first pass: ok, nothing to show', () => {
    const empty = statusModel({ serverName: 'x', latest: undefined, alertState: {}, samples: new Map() }, now);
    assert.equal(empty.level, 'ok');
    assert.deepEqual(empty.alerts, []);
    assert.ok(empty.series.every((s) => s.points.length === 0));
  });
});
