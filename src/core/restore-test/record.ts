// What a restore drill leaves behind: the runbook's "Last restore test" line and one entry of the
// history (state/restore-tests.json). Pure.

export interface DrillRecord {
  at: string;
  ok: boolean;
  backupId: string;
  /** Start → every check passed; absent when a check failed. */
  rtoSeconds?: number;
  /** The backup's age when the drill started. */
  rpoSeconds: number;
  /** The first check that failed, with what it saw. */
  failed?: string;
  /** The drill's logs, kept when it failed. */
  logFile?: string;
}

export const HISTORY_KEPT = 120;
export const RUNBOOK_LINE_PREFIX = 'Last restore test:';

/** 75 → "1 min 15 s"; 90061 → "1 d 1 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) === 0 ? '' : ` ${Math.floor((s % 3600) / 60)} min`}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) === 0 ? '' : ` ${Math.floor((s % 86_400) / 3600)} h`}`;
}

/** "Last restore test: 2026-12-04 19:30 UTC — PASS, RTO 48 s, RPO 3 min, backup <id>". */
export function runbookLine(r: DrillRecord): string {
  const when = `${r.at.slice(0, 10)} ${r.at.slice(11, 16)} UTC`;
  const rto = r.rtoSeconds === undefined ? `failed: ${r.failed ?? 'a check'}` : `RTO ${formatDuration(r.rtoSeconds)}`;
  return `${RUNBOOK_LINE_PREFIX} ${when} — ${r.ok ? 'PASS' : 'FAIL'}, ${rto}, RPO ${formatDuration(r.rpoSeconds)}, backup \`${r.backupId}\``;
}

/**
 * The runbook with its "Last restore test" line replaced (the seed's `__NOT_YET_PERFORMED__`
 * or an earlier drill's); appended under a heading of its own when an admin removed the line.
 */
export function withRunbookLine(runbook: string, line: string): string {
  const lines = runbook.split('\n');
  const at = lines.findIndex((l) => l.startsWith(RUNBOOK_LINE_PREFIX));
  if (at >= 0) {
    lines[at] = line;
    return lines.join('\n');
  }
  return `${runbook.replace(/\n*$/, '')}\n\n### Restore Test (monthly)\n${line}\n`;
}

/** The history with one more entry (oldest first), parsed leniently: a damaged file restarts it. */
export function withHistoryEntry(text: string | undefined, r: DrillRecord): DrillRecord[] {
  let old: DrillRecord[] = [];
  try {
    const parsed = text === undefined ? [] : (JSON.parse(text) as unknown);
    if (Array.isArray(parsed)) old = parsed as DrillRecord[];
  } catch {
    old = [];
  }
  return [...old, r].slice(-HISTORY_KEPT);
}
