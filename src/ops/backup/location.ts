// Where a deployment's backups live: BACKUP_DIR from .env (relative to the deployment), else
// DEPLOY/backups. The folder is 0700: archives are encrypted, but ids and sizes are nobody's business.
import { isAbsolute, join, relative } from 'node:path';
import { ensurePrivateDir } from '../../adapters/fs.ts';
import type { Deployment } from '../deployment.ts';

export function backupDir(d: Deployment): string {
  const configured = d.settings.BACKUP_DIR;
  if (configured === '') return join(d.root, 'backups');
  return isAbsolute(configured) ? configured : join(d.root, configured);
}

/** The backup folder relative to the deployment when it is inside it (then it is excluded from backups). */
export function backupDirInside(d: Deployment): string | undefined {
  const rel = relative(d.root, backupDir(d));
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split('\\').join('/');
}

export async function ensureBackupDir(d: Deployment): Promise<string> {
  const dir = backupDir(d);
  await ensurePrivateDir(dir);
  return dir;
}

export function lockPath(dir: string): string {
  return join(dir, '.mxctl-backup.lock');
}
