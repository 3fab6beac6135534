// When an observed problem becomes an alert, and when it is said again. Pure, and serialisable:
// the monitor keeps this state on disk, so a restart neither forgets a firing alert nor repeats it.
//   - A signal alerts only once it has been wrong for its window: a short spike says nothing.
//   - It alerts once; again only when it gets worse (warning → critical) or after a quiet period
//     (re-notify), so a long outage is not forgotten and a flapping one does not storm.
//   - When it is ok again, one resolved message, and only if the problem was ever alerted; and
//     only once it has stayed ok for its window too: a signal that flaps (Synapse's log errors
//     while its database is down come and go between passes) stays one alert, not a storm of
//     firing/resolved pairs.
//   - A signal that is not reported in a pass (its check could not run) keeps its state.
import type { Alert, Severity } from './alert.ts';

export type ObservedLevel = 'ok' | 'warn' | 'critical';

export interface Observation {
  id: string;
  level: ObservedLevel;
  summary: string;
  evidence: string;
}

export interface AlertPolicy {
  /** How long a signal must stay wrong before it alerts, by id prefix ('' = every signal). */
  windowsMs: Record<string, number>;
  /** A still-firing alert is said again after this long, by severity. */
  renotifyMs: Record<Severity, number>;
}

export const DEFAULT_POLICY: AlertPolicy = {
  // WHY these: two minutes (four passes at the default 30 s) for what users feel at once: a restart
  // or a blip says nothing; disk and backups move slowly.
  windowsMs: { '': 120_000, 'disk.': 600_000, 'backup.': 0, 'certificate.': 0 },
  renotifyMs: { critical: 4 * 3_600_000, warning: 24 * 3_600_000 },
};

export interface Tracked {
  level: Exclude<ObservedLevel, 'ok'>;
  /** When it first went wrong (ISO). */
  since: string;
  summary: string;
  evidence: string;
  /** The last alert sent for it: when and at which severity. */
  notified?: { at: string; severity: Severity };
  /** An alerted problem seen ok again since then (ISO): resolved once it stays ok for its window. */
  okSince?: string;
}

export type AlertState = Record<string, Tracked>;

export function windowOf(id: string, p: AlertPolicy): number {
  const prefix = Object.keys(p.windowsMs)
    .filter((k) => id.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return p.windowsMs[prefix ?? ''] ?? 0;
}

function withoutOkSince(t: Tracked): Tracked {
  const { okSince: _ok, ...rest } = t;
  return rest;
}

/**
 * When the earliest signal still waiting out its window (to fire, or to resolve) will have held
 * for it: the monitor runs a pass then rather than at its next tick, so an alert goes out a window
 * after the problem was first seen, not up to one more interval later. Undefined when nothing is
 * waiting.
 */
export function nextDecisionAt(state: AlertState, policy: AlertPolicy): Date | undefined {
  let earliest: number | undefined;
  for (const [id, t] of Object.entries(state)) {
    const from = t.notified === undefined ? t.since : t.okSince;
    if (from === undefined) continue;
    const due = Date.parse(from) + windowOf(id, policy);
    if (earliest === undefined || due < earliest) earliest = due;
  }
  return earliest === undefined ? undefined : new Date(earliest);
}

const severityOf = (l: Tracked['level']): Severity => (l === 'critical' ? 'critical' : 'warning');

export function advance(
  state: AlertState,
  observed: readonly Observation[],
  o: { now: Date; server: string; policy: AlertPolicy },
): { state: AlertState; alerts: Alert[] } {
  const now = o.now.getTime();
  const at = o.now.toISOString();
  const next: AlertState = { ...state };
  const alerts: Alert[] = [];
  const make = (id: string, t: Tracked, status: Alert['status'], summary = t.summary): Alert => ({
    key: id,
    status,
    severity: severityOf(t.level),
    summary,
    detail: t.evidence,
    server: o.server,
    since: t.since,
    at,
    test: false,
  });
  for (const s of observed) {
    const was = next[s.id];
    if (s.level === 'ok') {
      if (was?.notified === undefined) {
        delete next[s.id];
        continue;
      }
      const okSince = was.okSince ?? at;
      if (now - Date.parse(okSince) >= windowOf(s.id, o.policy)) {
        alerts.push(make(s.id, { ...was, evidence: s.evidence }, 'resolved', s.summary));
        delete next[s.id];
      } else next[s.id] = { ...was, okSince };
      continue;
    }
    const t: Tracked =
      was === undefined
        ? { level: s.level, since: at, summary: s.summary, evidence: s.evidence }
        : { ...withoutOkSince(was), level: s.level, summary: s.summary, evidence: s.evidence };
    const held = now - Date.parse(t.since) >= windowOf(s.id, o.policy);
    const sev = severityOf(t.level);
    const n = t.notified;
    const due =
      held &&
      (n === undefined ||
        (sev === 'critical' && n.severity === 'warning') ||
        now - Date.parse(n.at) >= o.policy.renotifyMs[sev]);
    if (due) {
      alerts.push(make(s.id, t, 'firing'));
      t.notified = { at, severity: sev };
    }
    next[s.id] = t;
  }
  return { state: next, alerts };
}
