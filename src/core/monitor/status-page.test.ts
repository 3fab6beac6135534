import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signal, above } from '../check/signal.ts';
import { renderStatusPage, groupSignals } from './status-page.ts';
import type { StatusPageModel } from './status-page.ts';
import { esc, formatAge, formatValue } from './status-format.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');

function model(over: Partial<StatusPageModel> = {}): StatusPageModel {
  return {
    serverName: 'example.org',
    generatedAt: new Date(NOW).toISOString(),
    level: 'ok',
    signals: [
      signal('stack.synapse', 'ok', 'synapse: running, healthy', { value: 'ok' }),
      signal('disk.media', 'ok', 'media store: 43 % used', { value: 0.43, unit: 'ratio', threshold: above(0.8, 0.9) }),
    ],
    alerts: [],
    series: [],
    ...over,
  };
}

/** The `points` attribute of every polyline, split into vertices. */
const polylines = (html: string): string[][] =>
  [...html.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => (m[1] ?? '').split(' ').filter(Boolean));

describe('renderStatusPage', () => {
  it('escapes every piece of text that came from a server', () => {
    const evil = `<script>alert("x")</script><img src=x onerror='y'>&amp;`;
    const html = renderStatusPage(
      model({
        serverName: evil,
        level: 'critical',
        signals: [signal(`stack.${evil}`, 'critical', evil, { value: evil, evidence: evil })],
        alerts: [{ id: evil, severity: 'critical', since: evil, summary: evil }],
        series: [{ id: evil, label: evil, unit: evil, points: [[NOW, 1]] }],
      }),
    );
    assert.ok(!html.includes('<script'), 'no script element');
    assert.ok(!html.includes('<img'), 'no injected element');
    assert.ok(!/onerror='/.test(html), 'no injected attribute');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(html.includes('&amp;amp;'), 'an entity in the text is shown as text');
    assert.equal(esc(`a"b'c`), 'a&quot;b&#39;c');
  });

  it('shows a critical signal red, in a red banner, and the alert with its age', () => {
    const html = renderStatusPage(
      model({
        level: 'critical',
        signals: [
          signal('stack.nginx', 'critical', 'nginx: stopped', { value: 'fail', evidence: 'exited (0) 3 minutes ago' }),
          signal('stack.synapse', 'ok', 'synapse: running', { value: 'ok' }),
          signal('disk.media', 'warn', 'media store: 85 % used', { value: 0.85, unit: 'ratio' }),
        ],
        alerts: [
          {
            id: 'stack.nginx',
            severity: 'critical',
            since: new Date(NOW - 125 * 60_000).toISOString(),
            summary: 'nginx: stopped',
          },
        ],
      }),
    );
    assert.match(html, /<header class="banner critical" data-level="critical">/);
    assert.match(html, /<li class="signal critical" data-level="critical" data-signal="stack.nginx">/);
    assert.match(html, /<li class="signal warn" data-level="warn" data-signal="disk.media">/);
    assert.match(html, /<li class="signal ok" data-level="ok" data-signal="stack.synapse">/);
    // The stylesheet paints the critical class red (--crit) and the warn class amber.
    assert.match(html, /--crit:#b42318/);
    assert.match(html, /\.signal\.critical\{border-left-color:var\(--crit\);background:var\(--crit-bg\)\}/);
    assert.match(html, /<li class="alert critical" data-alert="stack.nginx">.*for 2 h 5 min/);
    assert.match(html, /exited \(0\) 3 minutes ago/, 'a signal that is not ok shows its evidence');
  });

  it('draws a series of N points as a polyline of N points, with its warning and critical lines', () => {
    const points: [number, number][] = Array.from({ length: 37 }, (_, i) => [NOW - (36 - i) * 40 * 60_000, 100 + i]);
    const html = renderStatusPage(
      model({ series: [{ id: 'synapse.rss', label: 'RSS', unit: 'bytes', points, warn: 150, critical: 200 }] }),
    );
    const lines = polylines(html);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.length, 37);
    assert.match(html, /data-series="synapse.rss" data-points="37"/);
    assert.equal((html.match(/<line class="th warn"/g) ?? []).length, 1);
    assert.equal((html.match(/<line class="th critical"/g) ?? []).length, 1);
    // The newest point is at the right edge, the oldest 24 h before it at the left.
    assert.equal(lines[0]?.at(-1)?.split(',')[0], '1000');
    assert.equal(lines[0]?.[0]?.split(',')[0], '0');
    assert.match(html, /<figcaption><span>24 h ago<\/span>/);
  });

  it('a young monitor: its first passes spread over half an hour, not a sliver at the end of a day', () => {
    const points: [number, number][] = [
      [NOW - 12_000, 100],
      [NOW, 110],
    ];
    const html = renderStatusPage(model({ series: [{ id: 'synapse.rss', label: 'RSS', unit: 'bytes', points }] }));
    const [first, last] = (polylines(html)[0] ?? []).map((p) => Number(p.split(',')[0]));
    // 12 s of 30 min: 6.7 units of 1000 (2 px on a phone), where 24 h gave 0.1 (rounded away).
    assert.equal(last, 1000);
    assert.ok(first !== undefined && 1000 - first > 6, `the two points ${first} and ${last} apart`);
    assert.match(html, /<figcaption><span>30 min ago<\/span>/);
  });

  it('leaves a line far above the data off the chart (the curve stays readable) and says so in the legend', () => {
    const points: [number, number][] = [
      [NOW - 60_000, 400e6],
      [NOW, 420e6],
    ];
    const html = renderStatusPage(model({ series: [{ id: 'r', label: 'RSS', unit: 'bytes', points, warn: 2e9 }] }));
    assert.doesNotMatch(html, /<line class="th warn"/);
    assert.match(html, /<span class="key warn off">warn 1.9 GiB ↑<\/span>/);
    const idle = renderStatusPage(
      model({ series: [{ id: 'f', label: 'queue', unit: 'events', points: [[NOW, 0]], warn: 1000, critical: 10000 }] }),
    );
    assert.doesNotMatch(idle, /<line class="th/, 'an idle queue is not drawn under its far lines');
  });

  it('draws a share on its whole scale, 0 to 100 %, with its lines', () => {
    const html = renderStatusPage(
      model({ series: [{ id: 'd', label: 'disk', unit: 'ratio', points: [[NOW, 0.28]], warn: 0.8, critical: 0.9 }] }),
    );
    assert.match(html, /<span class="scale top">100 %<\/span>/);
    assert.equal((html.match(/<line class="th /g) ?? []).length, 2);
  });

  it('says "no data yet" for an empty series, and draws nothing for it', () => {
    const html = renderStatusPage(
      model({ series: [{ id: 'backup.last', label: 'Age of the last backup', unit: 'hours', points: [] }] }),
    );
    assert.match(html, /data-series="backup.last" data-points="0">.*no data yet/);
    assert.deepEqual(polylines(html), []);
  });

  it('loads nothing from anywhere: no URL, no reference to another resource, a CSP forbidding fetches', () => {
    const points: [number, number][] = [
      [NOW - 3_600_000, 0.5],
      [NOW, 0.6],
    ];
    const html = renderStatusPage(
      model({
        level: 'warn',
        alerts: [{ id: 'disk.media', severity: 'warning', since: new Date(NOW).toISOString(), summary: 'disk' }],
        series: [{ id: 'disk.media', label: 'Disk', unit: 'ratio', points, warn: 0.8, critical: 0.9 }],
      }),
    );
    assert.doesNotMatch(html, /:\/\//, 'no absolute URL (http, https, data, …)');
    assert.doesNotMatch(html, /\b(src|href|xlink:href|action|srcset)=/i, 'no attribute that loads something');
    assert.doesNotMatch(html, /url\(|@import/i, 'no stylesheet reference');
    assert.doesNotMatch(html, /<script/i, 'no script');
    assert.match(html, /content="default-src 'none'; style-src 'unsafe-inline'"/);
  });

  it('groups signals by their id prefix, known groups first', () => {
    const groups = groupSignals([
      signal('synapse.rss', 'ok', 'x'),
      signal('zeta.one', 'ok', 'x'),
      signal('stack.nginx', 'ok', 'x'),
      signal('disk.media.fill', 'ok', 'x'),
      signal('disk.media', 'ok', 'x'),
      signal('alpha', 'ok', 'x'),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.prefix, g.signals.map((s) => s.id)]),
      [
        ['stack', ['stack.nginx']],
        ['disk', ['disk.media.fill', 'disk.media']],
        ['synapse', ['synapse.rss']],
        ['alpha', ['alpha']],
        ['zeta', ['zeta.one']],
      ],
    );
  });

  it('colours a chart by its newest point against its lines, lower-is-worse when critical is below warn', () => {
    const cert = renderStatusPage(
      model({
        series: [{ id: 'tls.x', label: 'life', unit: 'ratio', points: [[NOW, 0.05]], warn: 0.25, critical: 0.1 }],
      }),
    );
    assert.match(cert, /<figure class="chart critical" data-series="tls.x" data-points="1">/);
    const disk = renderStatusPage(
      model({ series: [{ id: 'd', label: 'd', unit: 'ratio', points: [[NOW, 0.85]], warn: 0.8, critical: 0.9 }] }),
    );
    assert.match(disk, /<figure class="chart warn" data-series="d"/);
  });
});

describe('status page formats', () => {
  it('writes values in their unit and ages coarsely', () => {
    assert.equal(formatValue(1.5 * 1024 ** 3, 'bytes'), '1.5 GiB');
    assert.equal(formatValue(0.25, 'seconds'), '250 ms');
    assert.equal(formatValue(0.432, 'ratio'), '43.2 %');
    assert.equal(formatValue(72, 'hours'), '3 days');
    assert.equal(formatValue(12, 'events'), '12 events');
    assert.equal(formatValue(null, 'bytes'), '—');
    assert.equal(formatValue('running', null), 'running');
    assert.equal(formatAge(30_000), 'just now');
    assert.equal(formatAge(61 * 60_000), '1 h 1 min');
    assert.equal(formatAge(50 * 3_600_000), '2 d 2 h');
  });
});
