// `check`'s verdict on backups and restore drills: the newest backup's age, the last run's
// result, its offsite copy, and the last drill. Pure.
import type { BackupRun } from '../backup/run-record.ts';
import type { DrillRecord } from '../restore-test/record.ts';
import { above, levelOf, signal } from './signal.ts';
import type { Signal } from './signal.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Daily backups: one missed run (plus the run's own time) warns, two missed are critical.
 * In hours, since the newest backup in the catalog was written.
 */
export const BACKUP_AGE_HOURS = above(26, 50);
/** The monthly drill with a few days' slack warns; two missed months are critical. In days. */
export const DRILL_AGE_DAYS = above(35, 62);

export interface BackupFacts {
  now: Date;
  /** createdAt of the newest complete backup in the catalog, and of the oldest. */
  newest: Date | undefined;
  oldest: Date | undefined;
  lastRun: BackupRun | undefined;
  /** The newest run that wrote a backup: its offsite upload is the one that matters. */
  lastBackupRun: BackupRun | undefined;
  offsiteConfigured: boolean;
}

const hours = (ms: number) => ms / HOUR;

export function judgeBackupAge(f: BackupFacts): Signal {
  const evidence: string[] = [];
  if (f.lastRun !== undefined)
    evidence.push(`last run ${f.lastRun.at}: ${f.lastRun.ok ? `ok (${f.lastRun.id ?? '?'})` : 'FAILED'}`);
  if (f.newest === undefined) {
    const failed = f.lastRun !== undefined && !f.lastRun.ok;
    return signal(
      'backup.last',
      failed ? 'critical' : 'warn',
      failed ? `no backup exists and the last run failed: ${f.lastRun?.error?.message ?? '?'}` : 'no backup yet',
      {
        threshold: BACKUP_AGE_HOURS,
        unit: 'hours',
        evidence: [...evidence, 'fix: `mxctl backup` (and schedule it daily: docs/RUNBOOK.md)'],
      },
    );
  }
  const age = hours(f.now.getTime() - f.newest.getTime());
  const byAge = levelOf(age, BACKUP_AGE_HOURS);
  evidence.push(`newest backup ${f.newest.toISOString()}`);
  if (f.lastRun !== undefined && !f.lastRun.ok) {
    // NOTE: a failed run with a fresh backup still in hand warns (the next run may succeed);
    // once that backup is stale too, it is critical like any stale backup.
    const level = byAge === 'ok' ? 'warn' : 'critical';
    return signal(
      'backup.last',
      level,
      `the last backup run (${f.lastRun.at}) FAILED: ${f.lastRun.error?.code ?? ''} ${f.lastRun.error?.message ?? ''}`.trim(),
      {
        value: age,
        unit: 'hours',
        threshold: BACKUP_AGE_HOURS,
        evidence: [...evidence, 'fix: read the error above, fix it, run `mxctl backup`'],
      },
    );
  }
  return signal('backup.last', byAge, `the newest backup is ${age.toFixed(1)} h old`, {
    value: age,
    unit: 'hours',
    threshold: BACKUP_AGE_HOURS,
    evidence: [
      ...evidence,
      ...(byAge === 'ok' ? [] : ['fix: is the daily `mxctl backup` still scheduled? run it now']),
    ],
  });
}

export function judgeOffsite(f: BackupFacts): Signal {
  const r = f.lastBackupRun;
  if (!f.offsiteConfigured)
    return signal('backup.offsite', 'ok', 'no offsite target configured (backups are local only)', {
      value: 'not-configured',
      evidence: 'S3_BUCKET and RCLONE_REMOTE are empty in .env',
    });
  if (r === undefined)
    return signal('backup.offsite', 'ok', 'no backup run that wrote a backup is recorded yet', {
      value: null,
      evidence: 'state/backup-runs.json',
    });
  if (r.offsite === 'failed')
    return signal(
      'backup.offsite',
      'warn',
      `the offsite upload of the last backup (${r.at}) failed: ${r.offsiteError ?? '?'}`,
      {
        value: 'failed',
        evidence: 'the local backup is complete; the next `mxctl backup` uploads what is missing',
      },
    );
  if (r.offsite === 'skipped')
    return signal('backup.offsite', 'warn', `the last backup (${r.at}) was --local-only: it is not offsite`, {
      value: 'skipped',
      evidence: 'run `mxctl backup` without --local-only',
    });
  return signal(
    'backup.offsite',
    'ok',
    `the last backup (${r.id ?? '?'}) ${r.offsite === 'uploaded' ? 'is offsite too' : r.offsite}`,
    {
      value: r.offsite,
      evidence: `run ${r.at}`,
    },
  );
}

/**
 * The last restore drill. A deployment whose oldest backup is younger than the drill's
 * threshold has had no chance to drill yet: ok, with the date the first one is due.
 */
export function judgeDrill(drills: readonly DrillRecord[], f: Pick<BackupFacts, 'now' | 'oldest'>): Signal {
  const last = drills.at(-1);
  const lastPass = [...drills].reverse().find((d) => d.ok);
  if (last === undefined) {
    const due = f.oldest === undefined ? undefined : new Date(f.oldest.getTime() + (DRILL_AGE_DAYS.warn ?? 0) * DAY);
    const overdue = due !== undefined && due <= f.now;
    return signal(
      'backup.restore_drill',
      overdue ? 'warn' : 'ok',
      due === undefined
        ? 'no restore drill yet (none is possible before the first backup)'
        : `no restore drill yet; the first is due by ${due.toISOString().slice(0, 10)}`,
      {
        unit: 'days',
        threshold: DRILL_AGE_DAYS,
        evidence: 'state/restore-tests.json has no entry; run `mxctl restore-test`',
      },
    );
  }
  const passAge = lastPass === undefined ? undefined : (f.now.getTime() - new Date(lastPass.at).getTime()) / DAY;
  const byAge = passAge === undefined ? 'critical' : levelOf(passAge, DRILL_AGE_DAYS);
  if (!last.ok)
    return signal(
      'backup.restore_drill',
      byAge === 'ok' ? 'warn' : byAge,
      `the last restore drill (${last.at}) FAILED: ${last.failed ?? '?'}`,
      {
        value: passAge ?? null,
        unit: 'days',
        threshold: DRILL_AGE_DAYS,
        evidence: [
          `last pass ${lastPass?.at ?? 'never'}`,
          ...(last.logFile === undefined ? [] : [`logs ${last.logFile}`]),
        ],
      },
    );
  return signal('backup.restore_drill', byAge, `the last restore drill passed ${(passAge ?? 0).toFixed(1)} days ago`, {
    value: passAge ?? null,
    unit: 'days',
    threshold: DRILL_AGE_DAYS,
    evidence: `${last.at}, RTO ${last.rtoSeconds ?? '?'} s, RPO ${last.rpoSeconds} s, backup ${last.backupId}`,
  });
}
