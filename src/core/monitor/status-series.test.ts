import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { above, below, signal } from '../check/signal.ts';
import { CHARTED, seriesFromPasses } from './status-series.ts';

const at = (min: number) => new Date(Date.parse('2026-12-07T12:00:00Z') + min * 60_000).toISOString();

describe('seriesFromPasses', () => {
  it('charts each numeric value per pass, thresholds from the newest, one chart per certificate', () => {
    const pass = (min: number, rss: number | null, life: number) => ({
      at: at(min),
      signals: [
        signal('synapse.rss', rss === null ? 'critical' : 'ok', 'rss', {
          value: rss,
          unit: 'bytes',
          threshold: above(2e9, null),
        }),
        signal('tls.chat.example.org', 'ok', 'cert', { value: life, unit: 'ratio', threshold: below(0.25, 0.1) }),
        signal('tls.renewal', 'ok', 'renewal', { value: 'ok' }),
      ],
    });
    const series = seriesFromPasses([pass(2, 300, 0.5), pass(0, 100, 0.6), pass(1, null, 0.55)]);
    assert.deepEqual(
      series.map((s) => s.id),
      [...CHARTED.map((c) => c.id), 'tls.chat.example.org'],
    );
    const rss = series.find((s) => s.id === 'synapse.rss');
    assert.deepEqual(rss?.points, [
      [Date.parse(at(0)), 100],
      [Date.parse(at(2)), 300],
    ]);
    assert.equal(rss?.warn, 2e9);
    assert.equal('critical' in (rss ?? {}), false, 'an unused level is no line');
    const cert = series.find((s) => s.id === 'tls.chat.example.org');
    assert.equal(cert?.points.length, 3);
    assert.equal(cert?.critical, 0.1);
    assert.deepEqual(series.find((s) => s.id === 'backup.last')?.points, [], 'never seen: no data yet');
  });

  it('keeps only the last 24 hours', () => {
    const s = (min: number) => ({
      at: at(min),
      signals: [signal('disk.media', 'ok', 'm', { value: 0.5, unit: 'ratio' })],
    });
    const media = seriesFromPasses([s(-25 * 60), s(-23 * 60), s(0)]).find((x) => x.id === 'disk.media');
    assert.equal(media?.points.length, 2);
  });
});
