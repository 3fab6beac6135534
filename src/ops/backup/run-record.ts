// Writing down each `mxctl backup` run (state/backup-runs.json, 0600, atomic): `check` reads
// the last one to say whether last night's backup worked.
import { join } from 'node:path';
import { ensurePrivateDir, readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import { withRun } from '../../core/backup/run-record.ts';
import type { BackupRun } from '../../core/backup/run-record.ts';
import type { Deployment } from '../deployment.ts';

export function runsPath(d: Deployment): string {
  return join(d.stateDir, 'backup-runs.json');
}

export async function recordBackupRun(d: Deployment, run: BackupRun): Promise<void> {
  await ensurePrivateDir(d.stateDir);
  const path = runsPath(d);
  await writeFileAtomic(path, `${JSON.stringify(withRun(await readTextIfAny(path), run), null, 2)}\n`, 0o600);
}
