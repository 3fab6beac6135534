// mxctl backup prune: apply the retention policy to the local backups. Fails closed (a listing
// that fails or is empty deletes nothing) and deletes a backup's manifest before its archive,
// so a prune cut short never leaves something listed that has no archive.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { planRetention } from '../../core/backup/retention.ts';
import type { RetentionPolicy } from '../../core/backup/retention.ts';
import { manifestName } from '../../core/backup/naming.ts';
import { acquireLock } from '../../adapters/lock.ts';
import { fsyncDir } from '../../adapters/fs.ts';
import type { Deployment } from '../deployment.ts';
import { readCatalog, verifiedMarker } from './catalog.ts';
import type { Catalog } from './catalog.ts';
import { ensureBackupDir, lockPath } from './location.ts';

export interface PruneReport {
  dryRun: boolean;
  keep: { id: string; reasons: string[] }[];
  removed: string[];
  /** Listed but damaged (archive missing, size mismatch): never touched by prune. */
  untouched: string[];
}

export interface PruneDeps {
  /** The listing; injectable so a failing listing can be tested. */
  list?: (d: Deployment) => Promise<Catalog>;
}

export async function pruneBackups(d: Deployment, o: { policy: RetentionPolicy; dryRun: boolean }, deps: PruneDeps = {}): Promise<PruneReport> {
  const dir = await ensureBackupDir(d);
  const lock = await acquireLock(lockPath(dir), 'prune');
  try {
    let catalog: Catalog;
    try {
      catalog = await (deps.list ?? readCatalog)(d);
    } catch (error) {
      throw new MxError('E_BACKUP_FAILED', `Listing the backups failed, so nothing was pruned: ${(error as Error).message}`, { cause: error });
    }
    const good = catalog.entries.filter((e) => e.state === 'ok');
    const plan = planRetention(
      good.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), verified: e.verifiedAt !== undefined })),
      o.policy,
    );
    if (!plan.ok) throw new MxError('E_BACKUP_FAILED', `Nothing was pruned: ${plan.reason}.`);
    const removed: string[] = [];
    if (!o.dryRun) {
      for (const id of plan.remove) {
        const e = good.find((x) => x.id === id);
        if (e === undefined) continue;
        await rm(join(catalog.dir, manifestName(id)), { force: true });
        await fsyncDir(catalog.dir);
        await rm(e.archive, { force: true });
        await rm(verifiedMarker(catalog.dir, id), { force: true });
        removed.push(id);
      }
    }
    return { dryRun: o.dryRun, keep: plan.keep, removed: o.dryRun ? plan.remove : removed, untouched: catalog.entries.filter((e) => e.state !== 'ok').map((e) => e.id) };
  } finally {
    await lock.release();
  }
}
