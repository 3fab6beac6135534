// What `mxctl restore REF` restores from: an archive (catalog.ts) or a repository-mode backup
// (repository-catalog.ts). Both are looked at whatever BACKUP_MODE says now, so switching modes
// keeps the old backups restorable; `latest` is the newest of either.
import { MxError, isMxError } from '../../core/errors.ts';
import type { Deps } from '../deps.ts';
import { resolveBackup } from './catalog.ts';
import type { ResolvedBackup } from './catalog.ts';
import { repositoryInUse } from './repository-location.ts';
import { findRepositoryBackup, openRepository, readManifestOf, readRepositoryCatalog } from './repository-catalog.ts';
import type { RepositorySource } from './repository-read.ts';

export type RestoreSource = ResolvedBackup & { repository?: RepositorySource };

export async function resolveRestoreSource(
  ref: string,
  d: Pick<Deps, 'deployment' | 'progress'> & Partial<Pick<Deps, 'restic'>>,
): Promise<RestoreSource> {
  const archive = await resolveBackup(d.deployment, ref).catch((error: unknown) => {
    if (isMxError(error, 'E_BACKUP_NOT_FOUND')) return undefined;
    throw error;
  });
  const restic = d.restic;
  if (restic === undefined || !(await repositoryInUse(d.deployment)) || (archive !== undefined && ref !== 'latest'))
    return archive ?? (await resolveBackup(d.deployment, ref));
  await openRepository(restic, { create: false });
  const found = findRepositoryBackup(await readRepositoryCatalog(d.deployment, restic), ref);
  if (found === undefined) {
    if (archive !== undefined) return archive;
    throw new MxError(
      'E_BACKUP_NOT_FOUND',
      `No backup ${ref} in the archives or in the repository ${restic.description}.`,
      {
        hint: 'See `mxctl backup list`.',
      },
    );
  }
  const archiveTime = archive?.sidecar?.created_at;
  if (archive !== undefined && archiveTime !== undefined && archiveTime > found.createdAt) return archive;
  d.progress.step(`reading the manifest of ${found.id} from the repository`);
  const manifest = await readManifestOf(restic, found);
  return {
    id: found.id,
    archive: `${restic.description} (snapshots of ${found.id})`,
    sidecar: manifest,
    repository: { restic, backup: found, manifest },
  };
}
