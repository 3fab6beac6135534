// Backups: the newest backup in the catalog, the last run's result and offsite copy
// (state/backup-runs.json), and the last restore drill (state/restore-tests.json).
import { readTextIfAny } from '../../adapters/fs.ts';
import { parseRuns } from '../../core/backup/run-record.ts';
import type { BackupRun } from '../../core/backup/run-record.ts';
import { judgeBackupAge, judgeDrill, judgeOffsite } from '../../core/check/backups.ts';
import type { Signal } from '../../core/check/signal.ts';
import type { DrillRecord } from '../../core/restore-test/record.ts';
import { readCatalog } from '../backup/catalog.ts';
import { runsPath } from '../backup/run-record.ts';
import { historyPath } from '../restore-test/record.ts';
import type { Deployment } from '../deployment.ts';

/** What backups left on disk: complete backups' times (oldest first), the runs, the drills. */
export async function readBackupRecords(
  d: Deployment,
): Promise<{ good: Date[]; runs: BackupRun[]; drills: DrillRecord[] }> {
  const [catalog, runs, drills] = await Promise.all([
    readCatalog(d),
    readTextIfAny(runsPath(d)).then(parseRuns),
    readTextIfAny(historyPath(d)).then(parseDrills),
  ]);
  const good = catalog.entries
    .filter((e) => e.state === 'ok')
    .map((e) => new Date(e.createdAt))
    .sort((a, b) => a.getTime() - b.getTime());
  return { good, runs, drills };
}

export async function backupChecks(d: Deployment, now: Date): Promise<Signal[]> {
  const { good, runs, drills } = await readBackupRecords(d);
  const s = d.settings;
  const facts = {
    now,
    newest: good.at(-1),
    oldest: good[0],
    lastRun: runs.at(-1),
    lastBackupRun: runs.findLast((r) => r.ok),
    offsiteConfigured: s.S3_BUCKET !== '' || s.RCLONE_REMOTE !== '',
  };
  return [judgeBackupAge(facts), judgeOffsite(facts), judgeDrill(drills, facts)];
}

function parseDrills(text: string | undefined): DrillRecord[] {
  try {
    const j = text === undefined ? [] : (JSON.parse(text) as unknown);
    return Array.isArray(j) ? (j as DrillRecord[]).filter((r) => typeof r.at === 'string') : [];
  } catch {
    return [];
  }
}
