// mxctl backup prune: apply the retention policy to the local backups and, when an offsite
// target is configured, to the offsite copies with the same policy. Fails closed: a local or
// offsite listing that fails deletes nothing anywhere; an empty listing deletes nothing there.
// A backup's manifest goes before its archive (locally and offsite), so a prune cut short never
// leaves something listed that has no archive.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { planRetention } from '../../core/backup/retention.ts';
import type { RetentionPolicy } from '../../core/backup/retention.ts';
import { archiveName, backupTime, manifestName, parseBackupFileName } from '../../core/backup/naming.ts';
import { acquireLock } from '../../adapters/lock.ts';
import { fsyncDir } from '../../adapters/fs.ts';
import type { ObjectStore, RemoteObject } from '../../adapters/object-store.ts';
import type { Deployment } from '../deployment.ts';
import { readCatalog, verifiedMarker } from './catalog.ts';
import type { Catalog } from './catalog.ts';
import { ensureBackupDir, lockPath } from './location.ts';

export interface OffsitePruneReport {
  target: string;
  /** Why nothing offsite was considered (an empty listing); absent when the policy was applied. */
  skipped?: string;
  keep: { id: string; reasons: string[] }[];
  removed: string[];
  /** A manifest offsite without its archive, or with an archive of the wrong size: never touched. */
  untouched: string[];
}

export interface PruneReport {
  dryRun: boolean;
  keep: { id: string; reasons: string[] }[];
  removed: string[];
  /** Listed but damaged (archive missing, size mismatch): never touched by prune. */
  untouched: string[];
  /** The offsite copies; absent when no offsite target is configured (or --local-only). */
  offsite?: OffsitePruneReport;
}

export interface PruneOptions {
  policy: RetentionPolicy;
  dryRun: boolean;
  /** The offsite target to prune too. */
  store?: ObjectStore | undefined;
}

export interface PruneDeps {
  /** The listing; injectable so a failing listing can be tested. */
  list?: (d: Deployment) => Promise<Catalog>;
}

interface OffsitePlan {
  report: OffsitePruneReport;
  remove: string[];
}

/** The offsite backups (manifest and archive both there) and the plan for them. Pure. */
function planOffsite(objects: readonly RemoteObject[], catalog: Catalog, store: ObjectStore, policy: RetentionPolicy): OffsitePlan {
  const archives = new Map<string, number>();
  const manifests = new Set<string>();
  for (const o of objects) {
    const p = parseBackupFileName(o.key);
    if (p?.kind === 'archive') archives.set(p.id, o.size);
    if (p?.kind === 'manifest') manifests.add(p.id);
  }
  const untouched: string[] = [];
  const candidates = [];
  for (const id of [...manifests].sort()) {
    const local = catalog.entries.find((e) => e.id === id);
    const size = archives.get(id);
    const expected = local?.manifest?.archive?.size;
    const createdAt = backupTime(id);
    if (size === undefined || size === 0 || (expected !== undefined && size !== expected) || createdAt === undefined) {
      untouched.push(id);
      continue;
    }
    // NOTE: "verified" is what `backup verify` recorded for the same backup here; an offsite-only
    // backup counts as unverified, so the newest locally verified one is the one kept for that reason.
    candidates.push({ id, createdAt, verified: local?.verifiedAt !== undefined });
  }
  const plan = planRetention(candidates, policy);
  if (!plan.ok) return { report: { target: store.description, skipped: `nothing offsite was pruned: ${plan.reason}`, keep: [], removed: [], untouched }, remove: [] };
  return { report: { target: store.description, keep: plan.keep, removed: [], untouched }, remove: plan.remove };
}

export async function pruneBackups(d: Deployment, o: PruneOptions, deps: PruneDeps = {}): Promise<PruneReport> {
  const dir = await ensureBackupDir(d);
  const lock = await acquireLock(lockPath(dir), 'prune');
  try {
    let catalog: Catalog;
    try {
      catalog = await (deps.list ?? readCatalog)(d);
    } catch (error) {
      throw new MxError('E_BACKUP_FAILED', `Listing the backups failed, so nothing was pruned: ${(error as Error).message}`, { cause: error });
    }
    // Both listings before any deletion: a failed offsite listing stops the whole prune.
    let objects: RemoteObject[] | undefined;
    if (o.store !== undefined) {
      try {
        objects = await o.store.list();
      } catch (error) {
        throw new MxError('E_OFFSITE_FAILED', `Listing the offsite copies in ${o.store.description} failed, so nothing was pruned (here or offsite): ${(error as Error).message}`, {
          hint: 'Fix the offsite target and run prune again; `mxctl backup prune --local-only` prunes this machine only.',
          cause: error,
        });
      }
    }
    const good = catalog.entries.filter((e) => e.state === 'ok');
    const plan = planRetention(
      good.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), verified: e.verifiedAt !== undefined })),
      o.policy,
    );
    if (!plan.ok) throw new MxError('E_BACKUP_FAILED', `Nothing was pruned: ${plan.reason}.`);
    const offsite = o.store === undefined || objects === undefined ? undefined : planOffsite(objects, catalog, o.store, o.policy);

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
    if (offsite !== undefined && o.store !== undefined) {
      if (o.dryRun) offsite.report.removed = offsite.remove;
      else {
        for (const id of offsite.remove) {
          await o.store.remove(manifestName(id));
          await o.store.remove(archiveName(id));
          offsite.report.removed.push(id);
        }
      }
    }
    return {
      dryRun: o.dryRun,
      keep: plan.keep,
      removed: o.dryRun ? plan.remove : removed,
      untouched: catalog.entries.filter((e) => e.state !== 'ok').map((e) => e.id),
      ...(offsite === undefined ? {} : { offsite: offsite.report }),
    };
  } finally {
    await lock.release();
  }
}
