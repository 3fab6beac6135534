// doctor's verdict on Synapse's ERROR/CRITICAL log lines. Only lines of the current incident
// fail: those logged since Synapse last started, or within the last few minutes, whichever
// began later. Older lines of the hour read are shown as history, so a resolved incident (e.g.
// Postgres stopped and started again) stops failing doctor once it is over.
import type { Finding } from './finding.ts';
import { fail, ok } from './finding.ts';
import { groupLogErrors, isLogError } from './rules.ts';

export const DEFAULT_LOG_WINDOW_MS = 15 * 60_000;
/** How much log doctor reads: history older than this is not shown at all. */
export const LOG_HISTORY_MS = 60 * 60_000;

export interface TimedLine {
  at: Date;
  text: string;
}

/**
 * Splits `docker logs --timestamps` output ("2026-12-04T18:00:00.123456789Z text") into lines
 * with Docker's receive time (UTC, whatever the container's time zone).
 */
export function parseTimestampedLog(text: string): TimedLine[] {
  const out: TimedLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) (.*)$/.exec(line);
    if (m === null) continue;
    // NOTE: Date parses at most milliseconds; Docker prints nanoseconds.
    const at = new Date(`${m[1] ?? ''}${(m[2] ?? '').slice(0, 4)}${m[3] ?? ''}`);
    if (!Number.isNaN(at.getTime())) out.push({ at, text: m[4] ?? '' });
  }
  return out;
}

export interface LogRecencyRule {
  now: Date;
  /** Lines newer than now - windowMs are recent. */
  windowMs: number;
  /** When Synapse's container last started (docker's State.StartedAt); undefined when not running. */
  synapseStartedAt: Date | undefined;
}

/** The start of "recent": the later of Synapse's last start and now - window. */
export function recentSince(r: LogRecencyRule): { since: Date; reason: string } {
  const windowStart = new Date(r.now.getTime() - r.windowMs);
  if (r.synapseStartedAt !== undefined && r.synapseStartedAt > windowStart) {
    return { since: r.synapseStartedAt, reason: `since Synapse started at ${clockTime(r.synapseStartedAt)}` };
  }
  return { since: windowStart, reason: `in the last ${describeWindow(r.windowMs)}` };
}

const FIX = 'Read them in context with `mxctl logs --tail 300 synapse`; the other findings often name the cause.';

export function judgeLogErrors(id: string, lines: readonly TimedLine[], r: LogRecencyRule): Finding {
  const errors = lines.filter((l) => isLogError(l.text));
  const { since, reason } = recentSince(r);
  const recent = errors.filter((l) => l.at >= since);
  const history = errors.filter((l) => l.at < since);
  const historyNote = describeHistory(history);
  if (recent.length > 0) {
    const groups = describeGroups(recent);
    return fail(
      id,
      `${recent.length} ERROR/CRITICAL line(s) in Synapse's log ${reason}, newest at ${clockTime(newest(recent))}; most: ${groups[0] ?? ''}`,
      FIX,
      [
        `newest at ${newest(recent).toISOString()}`,
        ...groups,
        ...(historyNote === undefined ? [] : [historyNote.line]),
      ],
    );
  }
  if (historyNote === undefined) return ok(id, 'no ERROR or CRITICAL lines in the last hour of Synapse log');
  return ok(id, `no ERROR/CRITICAL line in Synapse's log ${reason}; history: ${historyNote.line}`, [
    historyNote.line,
    ...historyNote.groups.map((g) => `history: ${g}`),
  ]);
}

function describeHistory(history: readonly TimedLine[]): { line: string; groups: string[] } | undefined {
  if (history.length === 0) return undefined;
  return {
    line: `${history.length} older line(s), newest at ${newest(history).toISOString()}`,
    groups: describeGroups(history),
  };
}

function describeGroups(lines: readonly TimedLine[]): string[] {
  return groupLogErrors(lines.map((l) => l.text))
    .slice(0, 10)
    .map((g) => `${g.count} × ${g.level} ${g.logger}: ${g.message}`);
}

function newest(lines: readonly TimedLine[]): Date {
  return lines.reduce((n, l) => (l.at > n ? l.at : n), new Date(0));
}

/** "18:04:05Z": the hour is enough in a summary; the evidence has the full time. */
function clockTime(d: Date): string {
  return `${d.toISOString().slice(11, 19)}Z`;
}

function describeWindow(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
