// mxctl backup prune in repository mode: the same retention plan as archive mode
// (core/backup/retention.ts: newest per day/week/month, the newest and the newest verified always
// kept), applied as `restic forget ID…` of the planned backups' snapshots — manifest first, so a
// prune cut short never leaves a listed backup without its data — then `restic prune`. Fails
// closed: a listing that fails deletes nothing, an empty one too (planRetention refuses it);
// restic's own grouping policy is not used, mxctl names every snapshot it forgets.
import { MxError } from '../../core/errors.ts';
import { candidatesFrom, planRetention } from '../../core/backup/retention.ts';
import type { RetentionPolicy } from '../../core/backup/retention.ts';
import { forgetOrder, completeBackups } from '../../core/backup/repository.ts';
import { withLock } from '../../adapters/lock.ts';
import type { Deps } from '../deps.ts';
import { ensureBackupDir, lockPath } from './location.ts';
import { openRepository, readRepositoryCatalog } from './repository-catalog.ts';
import type { RepositoryCatalog } from './repository-catalog.ts';

export type RepositoryPruneDeps = Pick<Deps, 'deployment' | 'restic' | 'lock' | 'progress'> & {
  /** The listing; injectable so a failing listing can be tested. */
  list?: () => Promise<RepositoryCatalog>;
};

export interface RepositoryPruneReport {
  repository: string;
  dryRun: boolean;
  keep: { id: string; reasons: string[] }[];
  removed: string[];
  /** Snapshots of runs cut short (no manifest) forgotten with them. */
  incompleteRemoved: string[];
}

export async function pruneRepository(
  o: { policy: RetentionPolicy; dryRun: boolean },
  d: RepositoryPruneDeps,
): Promise<RepositoryPruneReport> {
  const dir = await ensureBackupDir(d.deployment);
  return withLock(d.lock, lockPath(dir), 'prune', async () => {
    let catalog: RepositoryCatalog;
    try {
      await openRepository(d.restic, { create: false });
      catalog = await (d.list ?? (() => readRepositoryCatalog(d.deployment, d.restic)))();
    } catch (error) {
      throw new MxError(
        'E_BACKUP_FAILED',
        `Listing the repository failed, so nothing was pruned: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const plan = planRetention(
      candidatesFrom(
        catalog.backups.map((b) => ({ id: b.id, createdAt: b.createdAt, verified: b.verifiedAt !== undefined })),
      ),
      o.policy,
    );
    if (!plan.ok) throw new MxError('E_BACKUP_FAILED', `Nothing was pruned: ${plan.reason}.`);
    const report = {
      repository: d.restic.description,
      dryRun: o.dryRun,
      keep: plan.keep,
      removed: plan.remove,
      incompleteRemoved: catalog.incomplete,
    };
    if (o.dryRun) return report;
    for (const id of plan.remove) {
      const b = catalog.backups.find((x) => x.id === id);
      if (b === undefined) continue;
      d.progress.step(`forgetting ${id}`);
      const [manifest, ...rest] = forgetOrder(b);
      if (manifest !== undefined) await d.restic.forget([manifest]);
      await d.restic.forget(rest);
    }
    await forgetIncomplete(catalog.incomplete, d);
    d.progress.step('restic prune (removing data no snapshot uses)');
    await d.restic.prune();
    return report;
  });
}

/** The snapshots of runs cut short: never a backup, so nothing keeps them. */
async function forgetIncomplete(ids: readonly string[], d: RepositoryPruneDeps): Promise<void> {
  if (ids.length === 0) return;
  const snapshots = await d.restic.snapshots();
  const wanted = new Set(ids);
  const { backups } = completeBackups(snapshots);
  const complete = new Set(backups.map((b) => b.id));
  const stale = snapshots.filter((s) => {
    const id = (s.tags ?? []).find((t) => t.startsWith('mxctl-backup='))?.slice('mxctl-backup='.length);
    return id !== undefined && wanted.has(id) && !complete.has(id);
  });
  await d.restic.forget(stale.map((s) => s.id));
}
