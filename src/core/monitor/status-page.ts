// The monitor's status page: one self-contained HTML document (inline CSS, inline SVG charts, no
// script, nothing fetched from anywhere), rebuilt by the daemon from its latest pass and history.
// A banner with the worst level and the firing alerts; every signal grouped by what it watches;
// 24-hour charts with their warning and critical lines. Readable on a phone. Pure.
// NOTE: its Content-Security-Policy forbids every fetch (default-src 'none'), so even a server's
// text that slipped past escaping could not load anything; the page refreshes itself each minute.
import type { Level, Signal } from '../check/signal.ts';
import { renderChart } from './status-chart.ts';
import { esc, formatAge, formatTime, formatValue } from './status-format.ts';
import type { StatusAlert, StatusPageModel } from './status-model.ts';
import { STATUS_CSS } from './status-style.ts';

export type { StatusAlert, StatusPageModel, StatusSeries } from './status-model.ts';

/** The groups in the order an admin looks at them; others follow, alphabetically. */
const GROUPS: { prefix: string; title: string }[] = [
  { prefix: 'stack', title: 'Services' },
  { prefix: 'https', title: 'Public endpoints' },
  { prefix: 'tls', title: 'Certificates' },
  { prefix: 'disk', title: 'Disk' },
  { prefix: 'backup', title: 'Backups and drills' },
  { prefix: 'synapse', title: 'Synapse' },
  { prefix: 'check', title: 'Checks that could not run' },
];

const HEADLINE: Record<Level, string> = {
  ok: 'All checks pass',
  warn: 'Something needs attention',
  critical: 'Something is broken',
};

const LEVEL_WORD: Record<Level, string> = { ok: 'ok', warn: 'warning', critical: 'critical' };

/** The group a signal belongs to: its id up to the first dot ("disk.media.fill" → "disk"). */
export function groupOf(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}

export function groupSignals(signals: readonly Signal[]): { prefix: string; title: string; signals: Signal[] }[] {
  const byPrefix = new Map<string, Signal[]>();
  for (const s of signals) byPrefix.set(groupOf(s.id), [...(byPrefix.get(groupOf(s.id)) ?? []), s]);
  const known = GROUPS.filter((g) => byPrefix.has(g.prefix));
  const others = [...byPrefix.keys()]
    .filter((p) => !GROUPS.some((g) => g.prefix === p))
    .sort()
    .map((prefix) => ({ prefix, title: prefix }));
  return [...known, ...others].map((g) => ({ ...g, signals: byPrefix.get(g.prefix) ?? [] }));
}

function alertItem(a: StatusAlert, now: number): string {
  const since = Date.parse(a.since);
  const age = Number.isNaN(since) ? esc(a.since) : `for ${formatAge(now - since)}`;
  return (
    `<li class="alert ${a.severity === 'critical' ? 'critical' : 'warn'}" data-alert="${esc(a.id)}">` +
    `<span class="pill">${esc(a.severity)}</span><span class="what">${esc(a.summary)}</span>` +
    `<span class="age">${age} · <code>${esc(a.id)}</code></span></li>`
  );
}

function banner(m: StatusPageModel, now: number): string {
  const counts = (['critical', 'warn'] as const)
    .map((l) => ({ l, n: m.signals.filter((s) => s.level === l).length }))
    .filter((c) => c.n > 0)
    .map((c) => `${c.n} ${LEVEL_WORD[c.l]}`);
  const tally = counts.length === 0 ? `${m.signals.length} signals ok` : `${counts.join(', ')} of ${m.signals.length}`;
  const alerts =
    m.alerts.length === 0
      ? '<p class="quiet">No alert is firing.</p>'
      : `<ul class="alerts">${m.alerts.map((a) => alertItem(a, now)).join('')}</ul>`;
  return (
    `<header class="banner ${m.level}" data-level="${m.level}">` +
    `<p class="server">${esc(m.serverName)}</p><h1>${HEADLINE[m.level]}</h1>` +
    `<p class="tally">${esc(tally)} · checked ${esc(formatTime(m.generatedAt))}</p>${alerts}</header>`
  );
}

function signalItem(s: Signal): string {
  const evidence =
    s.evidence === ''
      ? ''
      : s.level === 'ok'
        ? `<details><summary>evidence</summary><p class="evidence">${esc(s.evidence)}</p></details>`
        : `<p class="evidence">${esc(s.evidence)}</p>`;
  return (
    `<li class="signal ${s.level}" data-level="${s.level}" data-signal="${esc(s.id)}">` +
    `<div class="row"><span class="mark" title="${LEVEL_WORD[s.level]}"></span><code>${esc(s.id)}</code>` +
    `<span class="value">${esc(formatValue(s.value, s.unit))}</span></div>` +
    `<p class="summary">${esc(s.summary)}</p>${evidence}</li>`
  );
}

function signalGroups(signals: readonly Signal[]): string {
  if (signals.length === 0) return '<p class="nodata">No check has run yet.</p>';
  return groupSignals(signals)
    .map((g) => {
      const bad = g.signals.filter((s) => s.level !== 'ok').length;
      return (
        `<section class="group" data-group="${esc(g.prefix)}"><h2>${esc(g.title)}` +
        `<span class="count">${bad === 0 ? 'all ok' : `${bad} of ${g.signals.length} not ok`}</span></h2>` +
        `<ul class="signals">${g.signals.map(signalItem).join('')}</ul></section>`
      );
    })
    .join('');
}

/** The page's "now": when the model was built, else its newest point (core reads no clock). */
function nowOf(m: StatusPageModel): number {
  const t = Date.parse(m.generatedAt);
  if (!Number.isNaN(t)) return t;
  return Math.max(0, ...m.series.flatMap((s) => s.points.map(([at]) => at)).filter(Number.isFinite));
}

export function renderStatusPage(model: StatusPageModel): string {
  const now = nowOf(model);
  const charts =
    model.series.length === 0
      ? '<p class="nodata">no data yet</p>'
      : `<div class="charts">${model.series.map((s) => renderChart(s, now)).join('')}</div>`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta http-equiv="refresh" content="60">',
    '<meta name="robots" content="noindex">',
    `<title>${esc(`${LEVEL_WORD[model.level]} · ${model.serverName} · mxctl monitor`)}</title>`,
    `<style>${STATUS_CSS}</style></head><body>`,
    banner(model, now),
    `<main><h2 class="part">Last 24 hours</h2>${charts}`,
    `<h2 class="part">Every signal</h2>${signalGroups(model.signals)}</main>`,
    '<footer>mxctl monitor · this page refreshes itself every minute</footer>',
    '</body></html>',
    '',
  ].join('\n');
}
