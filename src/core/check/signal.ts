// What `mxctl check` reports: one signal per monitored thing, each with a level, the value read,
// the threshold it was judged against, and the evidence. The JSON shape is documented in the
// README and kept stable (scripts and the monitor key on `id` and `level`). Pure.
import type { Finding } from '../doctor/finding.ts';

export type Level = 'ok' | 'warn' | 'critical';

export interface Threshold {
  /** The value at (or beyond) which the signal warns / is critical; null: that level is not used. */
  warn: number | null;
  critical: number | null;
  /** 'above': higher is worse (disk used); 'below': lower is worse (certificate life left). */
  direction: 'above' | 'below';
}

export interface Signal {
  /** Stable, e.g. "disk.media", "synapse.event_send_p99". */
  id: string;
  level: Level;
  /** One line: what is true. */
  summary: string;
  /** The value judged, in `unit`; a string for states (e.g. "running"); null when none was read. */
  value: number | string | null;
  unit: string | null;
  threshold: Threshold | null;
  /** The facts behind it, one line (several joined with "; "). */
  evidence: string;
}

const RANK: Record<Level, number> = { ok: 0, warn: 1, critical: 2 };

export function worstOf(levels: readonly Level[]): Level {
  return levels.reduce<Level>((w, l) => (RANK[l] > RANK[w] ? l : w), 'ok');
}

/** The cron/Nagios convention: 0 ok, 1 warn, 2 critical. */
export function exitCodeFor(level: Level): 0 | 1 | 2 {
  return RANK[level] as 0 | 1 | 2;
}

/** The level of a value against a threshold. */
export function levelOf(value: number, t: Threshold): Level {
  const beyond = (limit: number | null) =>
    limit !== null && (t.direction === 'above' ? value >= limit : value <= limit);
  if (beyond(t.critical)) return 'critical';
  if (beyond(t.warn)) return 'warn';
  return 'ok';
}

export const above = (warn: number | null, critical: number | null): Threshold => ({
  warn,
  critical,
  direction: 'above',
});
export const below = (warn: number | null, critical: number | null): Threshold => ({
  warn,
  critical,
  direction: 'below',
});

export interface SignalParts {
  value?: number | string | null;
  unit?: string | null;
  threshold?: Threshold | null;
  evidence?: string | readonly string[];
}

export function signal(id: string, level: Level, summary: string, p: SignalParts = {}): Signal {
  const evidence = typeof p.evidence === 'string' ? p.evidence : (p.evidence ?? []).join('; ');
  return {
    id,
    level,
    summary,
    value: p.value ?? null,
    unit: p.unit ?? null,
    threshold: p.threshold ?? null,
    evidence,
  };
}

/**
 * A doctor finding as a signal (doctor's checks are reused, not rewritten): fail is critical
 * unless `failIs` says otherwise; the fix is kept in the evidence, after the facts.
 */
export function fromFinding(
  f: Finding,
  o: { id?: string; failIs?: Level } & Pick<SignalParts, 'value' | 'unit' | 'threshold'> = {},
): Signal {
  const level: Level = f.status === 'ok' ? 'ok' : f.status === 'warn' ? 'warn' : (o.failIs ?? 'critical');
  const evidence = [...f.evidence, ...(f.fix === undefined || level === 'ok' ? [] : [`fix: ${f.fix}`])];
  return signal(o.id ?? f.id, level, f.summary, {
    value: o.value === undefined ? f.status : o.value,
    unit: o.unit ?? null,
    threshold: o.threshold ?? null,
    evidence,
  });
}
