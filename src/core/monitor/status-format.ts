// How the status page writes text, values and ages. Pure.
// Everything on the page that did not come from this file's own literals passes through `esc`:
// signal summaries and evidence quote what servers answered (headers, log lines, error text).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an HTML element's content or a quoted attribute value. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const round = (n: number, digits: number): string =>
  Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) >= 100 ? 0 : digits);

function bytes(n: number): string {
  const steps = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < steps.length - 1) {
    v /= 1024;
    i++;
  }
  return `${round(v, i === 0 ? 0 : 1)} ${steps[i] ?? 'B'}`;
}

function seconds(n: number): string {
  if (Math.abs(n) < 1) return `${round(n * 1000, 0)} ms`;
  if (Math.abs(n) < 120) return `${round(n, 2)} s`;
  return `${round(n / 60, 1)} min`;
}

function hours(n: number): string {
  return Math.abs(n) < 48 ? `${round(n, 1)} h` : `${round(n / 24, 1)} days`;
}

function ratio(n: number): string {
  const pct = n * 100;
  return `${round(pct, Math.abs(pct) < 10 ? 2 : 1)} %`;
}

/** A value in its unit, the way a person reads it: 1.2 GiB, 340 ms, 43 %, 5.2 h, 12 days. */
export function formatValue(value: number | string | null, unit: string | null): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'bytes':
      return bytes(value);
    case 'seconds':
      return seconds(value);
    case 'ms':
      return `${round(value, 0)} ms`;
    case 'ratio':
      return ratio(value);
    case 'hours':
      return hours(value);
    case 'days':
      return `${round(value, 1)} days`;
    case null:
    case '':
      return round(value, 2);
    default:
      return `${round(value, 2)} ${unit}`;
  }
}

/** How long ago, coarse: "just now", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatAge(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** "2026-12-07 19:55 UTC" from an ISO time; the text itself when it is not one. */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
