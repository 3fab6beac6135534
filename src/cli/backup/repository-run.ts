// The runs of `mxctl backup list|verify|prune` for repository mode (BACKUP_MODE=repository),
// and what `backup list` adds about the repository in either mode.
import { MxError } from '../../core/errors.ts';
import type { Deployment } from '../../ops/deployment.ts';
import type { Restic } from '../../adapters/restic.ts';
import { readRepositoryCatalog, openRepository } from '../../ops/backup/repository-catalog.ts';
import type { RepositoryCatalog } from '../../ops/backup/repository-catalog.ts';
import { repositoryInUse } from '../../ops/backup/repository-location.ts';
import { verifyRepositoryBackup } from '../../ops/backup/repository-verify.ts';
import { pruneRepository } from '../../ops/backup/repository-prune.ts';
import type { RetentionPolicy } from '../../core/backup/retention.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, printTable, say } from '../output.ts';

/** The repository's part of `backup list`: undefined when the deployment has none. */
export async function repositoryListing(
  d: Deployment,
  r: Restic,
): Promise<{ catalog?: RepositoryCatalog; error?: string } | undefined> {
  if (!(await repositoryInUse(d))) return undefined;
  try {
    await openRepository(r, { create: false });
    return { catalog: await readRepositoryCatalog(d, r) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function repositoryJson(l: { catalog?: RepositoryCatalog; error?: string } | undefined): unknown {
  if (l === undefined) return null;
  if (l.catalog === undefined) return { error: l.error ?? 'unknown' };
  return {
    location: l.catalog.repository,
    backups: l.catalog.backups.map((b) => ({
      id: b.id,
      created_at: b.createdAt,
      snapshots: b.snapshots,
      verified_at: b.verifiedAt ?? null,
    })),
    incomplete: l.catalog.incomplete,
  };
}

export function renderRepositoryListing(l: { catalog?: RepositoryCatalog; error?: string } | undefined): void {
  if (l === undefined) return;
  if (l.catalog === undefined) {
    say(`Repository: the listing failed: ${l.error ?? ''}`);
    return;
  }
  const c = l.catalog;
  say(`Repository ${c.repository} (restic):`);
  if (c.backups.length === 0) say('  no backups.');
  else
    printTable(
      ['ID', 'CREATED', 'VERIFIED', 'SNAPSHOTS (database, files, manifest)'],
      c.backups.map((b) => [
        b.id,
        b.createdAt.slice(0, 19),
        b.verifiedAt ?? '-',
        `${b.snapshots.database.slice(0, 8)} ${b.snapshots.files.slice(0, 8)} ${b.snapshots.manifest.slice(0, 8)}`,
      ]),
    );
  if (c.incomplete.length > 0) say(`  incomplete runs (not backups; prune removes them): ${c.incomplete.join(', ')}`);
}

export async function runRepositoryVerify(
  ref: string,
  f: { readData?: true; readDataSubset?: string; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.readData === true && f.readDataSubset !== undefined)
    throw new MxError('E_USAGE', '--read-data and --read-data-subset: one of them.');
  if (f.readDataSubset !== undefined && !/^(\d+(\.\d+)?%|\d+\/\d+)$/.test(f.readDataSubset))
    throw new MxError('E_USAGE', `--read-data-subset ${f.readDataSubset}: a percentage (5%) or a group n/t (1/7).`);
  const d = await buildDeps(['deployment', 'restic', 'clock', 'progress'], { dir, json: f.json });
  const readData = f.readData === true ? 'all' : f.readDataSubset;
  const r = await verifyRepositoryBackup({ ref, ...(readData === undefined ? {} : { readData }) }, d).finally(d.end);
  if (f.json === true) printJson(r);
  else {
    say(
      `Backup ${r.id} in ${r.archive}: ${r.ok ? 'OK' : 'DAMAGED'} (restic check, ${r.check.tier}; ${r.files} files, dump ${r.databaseBytes} bytes read back) in ${r.seconds.toFixed(1)} s.`,
    );
    for (const p of r.problems) say(`  ${p}`);
  }
  if (!r.ok)
    throw new MxError('E_BACKUP_CORRUPT', `Backup ${r.id} (repository ${r.archive}) is damaged: do not rely on it.`, {
      hint: "Restore an older backup if needed, check the disk the repository lives on, and see `restic repair` in restic's documentation.",
    });
}

export async function runRepositoryPrune(
  policy: RetentionPolicy,
  f: { dryRun?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'restic', 'lock', 'progress'], { dir, json: f.json });
  const r = await pruneRepository({ policy, dryRun: f.dryRun === true }, d).finally(d.end);
  if (f.json === true) printJson(r);
  else {
    say(`Repository ${r.repository}${r.dryRun ? ' (dry run: nothing deleted)' : ''}:`);
    for (const k of r.keep) say(`  keep   ${k.id}  (${k.reasons.join(', ')})`);
    for (const id of r.removed) say(`  ${r.dryRun ? 'would forget' : 'forgot'} ${id}`);
    if (r.incompleteRemoved.length > 0)
      say(`  incomplete runs ${r.dryRun ? 'to remove' : 'removed'}: ${r.incompleteRemoved.join(', ')}`);
  }
}
