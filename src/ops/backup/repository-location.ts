// Where repository mode keeps its backups: RESTIC_REPOSITORY from .env ('' = BACKUP_DIR/restic),
// and the restic adapter for it, with the password (BACKUP_PASSPHRASE) and the keys it needs.
import { isAbsolute, join } from 'node:path';
import { repositoryKind } from '../../core/backup/repository.ts';
import { pathExists } from '../../adapters/fs.ts';
import { createRestic } from '../../adapters/restic.ts';
import type { Restic } from '../../adapters/restic.ts';
import type { Deployment } from '../deployment.ts';
import { backupDir } from './location.ts';

export function repositorySpec(d: Deployment): string {
  const s = d.settings.RESTIC_REPOSITORY;
  return s === '' ? join(backupDir(d), 'restic') : s;
}

export function deploymentRestic(d: Deployment): Restic {
  const s = d.settings;
  const spec = repositorySpec(d);
  const env: Record<string, string> = {};
  if (repositoryKind(spec) === 's3') {
    env.AWS_ACCESS_KEY_ID = s.S3_ACCESS_KEY_ID;
    env.AWS_SECRET_ACCESS_KEY = s.S3_SECRET_ACCESS_KEY;
    if (s.S3_REGION !== '') env.AWS_DEFAULT_REGION = s.S3_REGION;
  }
  if (repositoryKind(spec) === 'rclone' && s.RCLONE_CONFIG !== '')
    env.RCLONE_CONFIG = isAbsolute(s.RCLONE_CONFIG) ? s.RCLONE_CONFIG : join(d.root, s.RCLONE_CONFIG);
  // NOTE: the server name as restic's host: the parent snapshot (what makes the next backup
  // incremental) is found by host and path, and a server moved to a new machine keeps both.
  return createRestic({ repository: spec, password: s.BACKUP_PASSPHRASE, env, host: s.MX_SERVER_NAME });
}

/** Whether this deployment's backups include a repository: repository mode, or a local
 * repository left from it (switching back to archive mode keeps those backups listable). */
export async function repositoryInUse(d: Deployment): Promise<boolean> {
  if (d.settings.BACKUP_MODE === 'repository') return true;
  const spec = repositorySpec(d);
  return repositoryKind(spec) === 'local' && (await pathExists(join(spec, 'config')));
}
