// `mxctl backup` in the deployment's BACKUP_MODE: an archive (create.ts) or snapshots in the
// restic repository (repository-create.ts), under the same lock either way.
import { withLock } from '../../adapters/lock.ts';
import type { Deps } from '../deps.ts';
import { createBackupLocked } from './create.ts';
import type { BackupDeps, BackupOptions, BackupReport } from './create.ts';
import { ensureBackupDir, lockPath } from './location.ts';
import { createRepositoryBackupLocked } from './repository-create.ts';

export type WriteDeps = BackupDeps & Partial<Pick<Deps, 'restic'>>;

export async function writeBackup(o: BackupOptions, d: WriteDeps): Promise<BackupReport> {
  const dir = await ensureBackupDir(d.deployment);
  return withLock(d.lock, lockPath(dir), 'backup', () => writeBackupLocked(o, d));
}

/** For a caller that holds the backup folder's lock (restore's safety backup). */
export function writeBackupLocked(o: BackupOptions, d: WriteDeps): Promise<BackupReport> {
  const restic = d.restic;
  // Without restic at hand (an upgrade's rollback) an archive: restorable in either mode.
  return d.deployment.settings.BACKUP_MODE === 'repository' && restic !== undefined
    ? createRepositoryBackupLocked(o, { ...d, restic })
    : createBackupLocked(o, d);
}
