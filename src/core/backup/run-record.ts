// What each `mxctl backup` run leaves in state/backup-runs.json: when, whether it produced a
// backup, why not, and what became of the offsite copy. The catalog only knows the backups that
// exist; a run that failed leaves no backup, so without this record nobody learns of it. Pure.

export type OffsiteOutcome = 'uploaded' | 'failed' | 'skipped' | 'not-configured';

export interface BackupRun {
  /** When the run started (ISO). */
  at: string;
  ok: boolean;
  /** The backup written (also on an offsite failure: the local backup is complete). */
  id?: string;
  /** The error code and one-line message of a failed run. */
  error?: { code: string; message: string };
  offsite: OffsiteOutcome;
  offsiteError?: string;
  seconds: number;
}

/** Enough for two months of daily runs; the newest is what `check` judges. */
export const RUNS_KEPT = 60;

/** The runs in a state file, oldest first; a damaged file reads as none (the next run rewrites it). */
export function parseRuns(text: string | undefined): BackupRun[] {
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter(
          (r): r is BackupRun =>
            typeof r === 'object' &&
            r !== null &&
            typeof (r as BackupRun).at === 'string' &&
            typeof (r as BackupRun).ok === 'boolean',
        )
      : [];
  } catch {
    return [];
  }
}

export function withRun(text: string | undefined, run: BackupRun): BackupRun[] {
  return [...parseRuns(text), run].slice(-RUNS_KEPT);
}

/** What became of the offsite copy of a run that wrote a backup. */
export function offsiteOutcome(o: { localOnly: boolean; configured: boolean; failed: boolean }): OffsiteOutcome {
  if (o.localOnly) return 'skipped';
  if (!o.configured) return 'not-configured';
  return o.failed ? 'failed' : 'uploaded';
}

/** A run that wrote no backup: nothing went offsite either. */
export function failedRun(at: Date, error: { code?: string; message: string }, seconds: number): BackupRun {
  return {
    at: at.toISOString(),
    ok: false,
    error: { code: error.code ?? 'E_INTERNAL', message: error.message },
    offsite: 'skipped',
    offsiteError: 'no backup to upload',
    seconds,
  };
}
