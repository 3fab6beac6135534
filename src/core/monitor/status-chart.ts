// One series as a chart of up to 24 hours: an inline SVG polyline (one vertex per point) with its
// warning and critical lines. Pure.
// NOTE: the SVG stretches to its box (preserveAspectRatio="none", strokes that do not scale), so
// it fills a phone's width as well as a desktop column; every piece of text (the scale, the
// thresholds, the times) is HTML around it, where it keeps a readable size.
import { levelOf } from '../check/signal.ts';
import type { Level, Threshold } from '../check/signal.ts';
import { esc, formatValue } from './status-format.ts';
import type { StatusSeries } from './status-model.ts';

const MIN_SPAN_MS = 30 * 60_000;
/** The drawing's own coordinates; the box decides the size on screen. */
const W = 1000;
const H = 300;

interface Frame {
  t0: number;
  t1: number;
  lo: number;
  hi: number;
}

/**
 * The x span runs from the oldest point (the series holds at most 24 h) to `now`, and is at least
 * half an hour: a monitor started minutes ago draws its few points across the chart, not as a
 * sliver at the right edge of an empty day (on a phone, two passes a minute apart on a 24 h axis
 * are 0.2 px apart). y starts at 0 where it can
 * and shows the warning and critical lines when they are within twice the data's height. A line
 * far above (2 GB of RAM over 400 MB used) would flatten the curve: the legend marks it instead.
 * A share (unit ratio, 0..1) is drawn on 0..100 %.
 */
export function frameOf(s: StatusSeries, now: number): Frame {
  const times = s.points.map(([t]) => t);
  const data = s.points.map(([, v]) => v);
  const top = Math.max(...data);
  const lines = [s.warn, s.critical].filter((v) => v !== undefined && v <= 2 * top) as number[];
  const values = [...data, ...lines];
  const t0 = Math.min(now - MIN_SPAN_MS, ...times);
  const t1 = Math.max(now, ...times);
  const lo = Math.min(0, ...values);
  let hi = Math.max(...values, lo);
  hi = hi === lo ? lo + 1 : hi + (hi - lo) * 0.08;
  // NOTE: a share (disk used, certificate life left) reads best on its whole scale, lines and all.
  if (s.unit === 'ratio' && lo === 0 && hi <= 1.08) hi = 1;
  return { t0, t1, lo, hi };
}

const shown = (v: number | undefined, f: Frame): v is number => v !== undefined && v >= f.lo && v <= f.hi;

const x = (t: number, f: Frame): number => ((t - f.t0) / (f.t1 - f.t0)) * W;
const y = (v: number, f: Frame): number => H - ((v - f.lo) / (f.hi - f.lo)) * H;
const coord = (n: number): string => String(Math.round(n * 10) / 10);

/** Lower is worse when the critical line sits below the warning one (certificate life left). */
export function thresholdOf(s: StatusSeries): Threshold | null {
  if (s.warn === undefined && s.critical === undefined) return null;
  const below = s.warn !== undefined && s.critical !== undefined && s.critical < s.warn;
  return { warn: s.warn ?? null, critical: s.critical ?? null, direction: below ? 'below' : 'above' };
}

/** The level of the newest point against the series' own lines. */
export function latestLevel(s: StatusSeries): Level {
  const last = s.points.at(-1);
  const t = thresholdOf(s);
  return last === undefined || t === null ? 'ok' : levelOf(last[1], t);
}

function thresholdLine(v: number | undefined, level: 'warn' | 'critical', f: Frame): string {
  if (!shown(v, f)) return '';
  const at = coord(y(v, f));
  return `<line class="th ${level}" x1="0" x2="${W}" y1="${at}" y2="${at}" vector-effect="non-scaling-stroke"/>`;
}

function plot(s: StatusSeries, f: Frame): string {
  const vertices = s.points.map(([t, v]) => `${coord(x(t, f))},${coord(y(v, f))}`);
  const first = s.points[0];
  const last = s.points.at(-1);
  const area =
    first === undefined || last === undefined
      ? ''
      : `<polygon class="area" points="${coord(x(first[0], f))},${H} ${vertices.join(' ')} ${coord(x(last[0], f))},${H}"/>`;
  return (
    `<svg class="plot" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" aria-hidden="true">` +
    `${area}${thresholdLine(s.warn, 'warn', f)}${thresholdLine(s.critical, 'critical', f)}` +
    `<polyline class="line" data-series="${esc(s.id)}" points="${vertices.join(' ')}" vector-effect="non-scaling-stroke"/>` +
    `</svg>`
  );
}

/** The newest point as a dot in HTML (an SVG circle would stretch with the box). */
function dot(s: StatusSeries, f: Frame): string {
  const last = s.points.at(-1);
  if (last === undefined) return '';
  const left = (x(last[0], f) / W) * 100;
  const top = (y(last[1], f) / H) * 100;
  return `<span class="dot" style="left:${coord(left)}%;top:${coord(top)}%"></span>`;
}

function legend(s: StatusSeries, f: Frame): string {
  const key = (v: number | undefined, level: 'warn' | 'critical'): string => {
    if (v === undefined) return '';
    const off = shown(v, f) ? '' : v > f.hi ? ' ↑' : ' ↓';
    return `<span class="key ${level}${off === '' ? '' : ' off'}">${level} ${esc(formatValue(v, s.unit))}${off}</span>`;
  };
  const parts = [key(s.warn, 'warn'), key(s.critical, 'critical')].filter((p) => p !== '');
  return parts.length === 0 ? '' : `<div class="legend">${parts.join('')}</div>`;
}

export function renderChart(s: StatusSeries, now: number): string {
  const points = s.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
  const series = { ...s, points };
  const last = points.at(-1);
  const level = latestLevel(series);
  const head =
    `<div class="chart-head"><h3>${esc(s.label)}</h3>` +
    `<span class="now ${level}">${last === undefined ? '—' : esc(formatValue(last[1], s.unit))}</span></div>`;
  if (last === undefined)
    return `<figure class="chart empty" data-series="${esc(s.id)}" data-points="0">${head}<p class="nodata">no data yet</p></figure>`;
  const f = frameOf(series, now);
  const minutes = Math.round((f.t1 - f.t0) / 60_000);
  const since = minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
  return (
    `<figure class="chart ${level}" data-series="${esc(s.id)}" data-points="${points.length}">${head}` +
    `<div class="box"><span class="scale top">${esc(formatValue(f.hi, s.unit))}</span>` +
    `<span class="scale bottom">${esc(formatValue(f.lo, s.unit))}</span>${plot(series, f)}${dot(series, f)}</div>` +
    `<figcaption><span>${since}</span>${legend(s, f)}<span>now</span></figcaption></figure>`
  );
}
