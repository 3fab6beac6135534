// mxctl backup prune: apply the retention policy to the local backups and, when an offsite
// target is configured, to the offsite copies with the same policy. Fails closed: a local or
// offsite listing that fails deletes nothing anywhere; an empty listing deletes nothing there.
// A backup's manifest goes before its archive (locally and offsite), so a prune cut short never
// leaves something listed that has no archive.
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { candidatesFrom, planRetention } from '../../core/backup/retention.ts';
import type { RetentionPolicy } from '../../core/backup/retention.ts';
import { archiveName, backupTime, manifestName, parseBackupFileName } from '../../core/backup/naming.ts';
import { withLock } from '../../adapters/lock.ts';
import { fsyncDir, removePath } from '../../adapters/fs.ts';
import type { ObjectStore, RemoteObject } from '../../adapters/object-store.ts';
import type { Deployment } from '../deployment.ts';
import { readCatalog, verifiedMarker } from './catalog.ts';
import type { Catalog, CatalogEntry } from './catalog.ts';
import type { Deps } from '../deps.ts';
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
}

/** `offsite`: the offsite target to prune too (undefined: this machine only). */
export type PruneDeps = Pick<Deps, 'deployment' | 'lock' | 'offsite'> & {
  /** The listing; injectable so a failing listing can be tested. */
  list?: (d: Deployment) => Promise<Catalog>;
};

interface OffsitePlan {
  report: OffsitePruneReport;
  remove: string[];
}

/** The offsite backups (manifest and archive both there) and the plan for them. Pure. */
function planOffsite(
  objects: readonly RemoteObject[],
  catalog: Catalog,
  store: ObjectStore,
  policy: RetentionPolicy,
): OffsitePlan {
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
  if (!plan.ok)
    return {
      report: {
        target: store.description,
        skipped: `nothing offsite was pruned: ${plan.reason}`,
        keep: [],
        removed: [],
        untouched,
      },
      remove: [],
    };
  return { report: { target: store.description, keep: plan.keep, removed: [], untouched }, remove: plan.remove };
}

export async function pruneBackups(o: PruneOptions, d: PruneDeps): Promise<PruneReport> {
  const dir = await ensureBackupDir(d.deployment);
  return withLock(d.lock, lockPath(dir), 'prune', async () => {
    const { catalog, objects } = await listBoth(d);
    const good = catalog.entries.filter((e) => e.state === 'ok');
    const plan = planRetention(
      candidatesFrom(good.map((e) => ({ id: e.id, createdAt: e.createdAt, verified: e.verifiedAt !== undefined }))),
      o.policy,
    );
    if (!plan.ok) throw new MxError('E_BACKUP_FAILED', `Nothing was pruned: ${plan.reason}.`);
    const offsite =
      d.offsite === undefined || objects === undefined ? undefined : planOffsite(objects, catalog, d.offsite, o.policy);
    const removed = o.dryRun ? plan.remove : await removeLocal(catalog, good, plan.remove);
    if (offsite !== undefined && d.offsite !== undefined)
      offsite.report.removed = o.dryRun ? offsite.remove : await removeOffsite(d.offsite, offsite.remove);
    return {
      dryRun: o.dryRun,
      keep: plan.keep,
      removed,
      untouched: catalog.entries.filter((e) => e.state !== 'ok').map((e) => e.id),
      ...(offsite === undefined ? {} : { offsite: offsite.report }),
    };
  });
}

/** Both listings before any deletion: a failed one (here or offsite) stops the whole prune. */
async function listBoth(d: PruneDeps): Promise<{ catalog: Catalog; objects: RemoteObject[] | undefined }> {
  let catalog: Catalog;
  try {
    catalog = await (d.list ?? readCatalog)(d.deployment);
  } catch (error) {
    throw new MxError(
      'E_BACKUP_FAILED',
      `Listing the backups failed, so nothing was pruned: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (d.offsite === undefined) return { catalog, objects: undefined };
  try {
    return { catalog, objects: await d.offsite.list() };
  } catch (error) {
    throw new MxError(
      'E_OFFSITE_FAILED',
      `Listing the offsite copies in ${d.offsite.description} failed, so nothing was pruned (here or offsite): ${(error as Error).message}`,
      {
        hint: 'Fix the offsite target and run prune again; `mxctl backup prune --local-only` prunes this machine only.',
        cause: error,
      },
    );
  }
}

/** Manifest first (and the folder fsynced), then the archive: a prune cut short never leaves a listed backup without its archive. */
async function removeLocal(catalog: Catalog, good: readonly CatalogEntry[], ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const id of ids) {
    const e = good.find((x) => x.id === id);
    if (e === undefined) continue;
    await removePath(join(catalog.dir, manifestName(id)));
    await fsyncDir(catalog.dir);
    await removePath(e.archive);
    await removePath(verifiedMarker(catalog.dir, id));
    removed.push(id);
  }
  return removed;
}

async function removeOffsite(store: ObjectStore, ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const id of ids) {
    await store.remove(manifestName(id));
    await store.remove(archiveName(id));
    removed.push(id);
  }
  return removed;
}
