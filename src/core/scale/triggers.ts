// The runbook's six scaling triggers as signals, and the judgement of one signal over a window:
// fired only when it has been over its threshold for the whole window, so a short spike does not
// fire. Pure: the readings are passed in, with the time they speak for.
//
// WHY seven signals for six triggers: the seed's "sync > 5 s p95" cannot be read literally.
// Synapse's response-time histogram stops at 10 s and an incremental /sync long-polls for ~30 s,
// so a /sync quantile sits at the cap and says nothing (wave2-facts §1a). The trigger is read as
// two signals that do carry information: the event-send p99 and the share of initial syncs slower
// than 10 s.
import { SYNAPSE_RSS_TRIGGER, DISK_WARN_FRACTION } from '../doctor/rules.ts';

export const SIGNAL_IDS = [
  'synapse_rss',
  'postgres_cpu',
  'disk_used',
  'federation_lag',
  'active_users',
  'event_send_p99',
  'slow_initial_syncs',
] as const;
export type SignalId = (typeof SIGNAL_IDS)[number];

export type TriggerId = 'synapse_ram' | 'postgres_cpu' | 'disk' | 'federation_lag' | 'concurrent_users' | 'sync';

export interface SignalDef {
  id: SignalId;
  trigger: TriggerId;
  /** What is measured, in words. */
  title: string;
  unit: 'bytes' | 'ratio' | 'seconds' | 'users';
  /** Over this value is "over". */
  threshold: number;
  /** The runbook's row, as the seed wrote it. */
  seed: string;
}

export const SIGNALS: Record<SignalId, SignalDef> = {
  synapse_rss: {
    id: 'synapse_rss',
    trigger: 'synapse_ram',
    title: "Synapse's resident memory (every process)",
    unit: 'bytes',
    threshold: SYNAPSE_RSS_TRIGGER,
    seed: 'Synapse RAM > 2 GB sustained',
  },
  postgres_cpu: {
    id: 'postgres_cpu',
    trigger: 'postgres_cpu',
    title: "PostgreSQL's CPU, a share of the host's cores",
    unit: 'ratio',
    threshold: 0.7,
    seed: 'Postgres CPU > 70% sustained',
  },
  disk_used: {
    id: 'disk_used',
    trigger: 'disk',
    title: 'the fullest filesystem holding media or the database',
    unit: 'ratio',
    threshold: DISK_WARN_FRACTION,
    seed: 'Disk usage > 80%',
  },
  federation_lag: {
    id: 'federation_lag',
    trigger: 'federation_lag',
    title: 'federation sender lag (persisted → queued for other servers)',
    unit: 'seconds',
    threshold: 30,
    seed: 'Federation lag > 30s',
  },
  active_users: {
    id: 'active_users',
    trigger: 'concurrent_users',
    title: 'distinct users active (Synapse user_ips, last seen in the activity span)',
    unit: 'users',
    threshold: 500,
    seed: 'Concurrent users > 500',
  },
  event_send_p99: {
    id: 'event_send_p99',
    trigger: 'sync',
    title: 'message send p99 (RoomSendEventRestServlet, 2xx)',
    unit: 'seconds',
    threshold: 5,
    seed: 'Response time (sync) > 5s p95, read as event-send p99 > 5 s',
  },
  slow_initial_syncs: {
    id: 'slow_initial_syncs',
    trigger: 'sync',
    title: 'share of initial syncs slower than 10 s',
    unit: 'ratio',
    threshold: 0.2,
    seed: 'Response time (sync) > 5s p95, read as > 20 % of initial syncs over 10 s',
  },
};

/** One value and the span of time it speaks for (a gauge since the last reading, a rate over it). */
export interface Reading {
  /** ms since the epoch */
  from: number;
  at: number;
  /** null: nothing to measure in that span (no message sent, no initial sync): not over. */
  value: number | null;
}

export type Verdict = 'fired' | 'building' | 'unproven' | 'spike' | 'quiet' | 'unknown';

export interface Judgement {
  verdict: Verdict;
  /** The latest reading's value. */
  current: number | null;
  /** The highest value in the window. */
  peak: number | null;
  /** How long it has been over without a break, up to now (0 when the latest is not over). */
  heldMs: number;
  /** How much of the window the readings cover. */
  coveredMs: number;
  readings: number;
}

const isOver = (r: Reading, threshold: number) => r.value !== null && r.value > threshold;

/**
 * fired: over for the whole window. building: over now, but for less than the window, which the
 * readings do cover. unproven: over for every reading, but the readings cover less than the
 * window (a short history cannot prove "sustained"). spike: over at some point, not now.
 */
export function judgeSignal(readings: readonly Reading[], threshold: number, windowMs: number, now: number): Judgement {
  const xs = readings.filter((r) => r.at > now - windowMs && r.at <= now).sort((a, b) => a.at - b.at);
  const values = xs.map((r) => r.value).filter((v): v is number => v !== null);
  const base = {
    current: xs.at(-1)?.value ?? null,
    peak: values.length === 0 ? null : Math.max(...values),
    readings: xs.length,
  };
  const first = xs[0];
  if (first === undefined) return { ...base, verdict: 'unknown', heldMs: 0, coveredMs: 0 };
  const coveredMs = Math.min(windowMs, now - first.from);
  let runStart = xs.length;
  while (runStart > 0 && isOver(xs[runStart - 1] as Reading, threshold)) runStart--;
  const run = xs[runStart];
  const heldMs = run === undefined ? 0 : Math.min(windowMs, now - run.from);
  let verdict: Verdict;
  if (run === undefined) verdict = xs.some((r) => isOver(r, threshold)) ? 'spike' : 'quiet';
  else if (heldMs >= windowMs) verdict = 'fired';
  else if (runStart === 0 && coveredMs < windowMs) verdict = 'unproven';
  else verdict = 'building';
  return { ...base, verdict, heldMs, coveredMs };
}

/** "30m", "90s", "2h", "1h30m" → ms; undefined when it is not a duration (at least 1 s, at most 7 d). */
export function parseWindow(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+[smhd])+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+)([smhd])/g))
    ms += Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's'];
  return ms >= 1000 && ms <= 7 * 86_400_000 ? ms : undefined;
}

/** "1h30m", "45s" for reports. */
export function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
}

/** A value in its unit, for people. */
export function formatValue(unit: SignalDef['unit'], v: number | null): string {
  if (v === null) return '—';
  if (unit === 'bytes') return `${(v / 1024 ** 3).toFixed(2)} GiB`;
  if (unit === 'ratio') return `${(v * 100).toFixed(1)} %`;
  if (unit === 'seconds') return `${v.toFixed(v < 10 ? 3 : 1)} s`;
  return String(Math.round(v));
}
