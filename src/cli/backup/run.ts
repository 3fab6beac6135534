// The runs of `mxctl backup …` and `mxctl restore`: build the deps, map flags to options, call the
// operation, render its report. Failures are thrown (main maps them to exit codes).
import { MxError, isMxError } from '../../core/errors.ts';
import { writeBackup } from '../../ops/backup/write.ts';
import { readCatalog } from '../../ops/backup/catalog.ts';
import { recordBackupRun } from '../../ops/backup/run-record.ts';
import { failedRun, offsiteOutcome } from '../../core/backup/run-record.ts';
import { verifyBackup } from '../../ops/backup/verify.ts';
import { restoreBackup } from '../../ops/backup/restore.ts';
import { pruneBackups } from '../../ops/backup/prune.ts';
import { folderState } from '../../ops/backup/recreate.ts';
import { deploymentRoot, loadDeployment } from '../../ops/deployment.ts';
import {
  renderRepositoryListing,
  repositoryJson,
  repositoryListing,
  runRepositoryPrune,
  runRepositoryVerify,
} from './repository-run.ts';
import type { RecoverFlags } from './recover-run.ts';
import { fetchOffsite, syncOffsite, offsiteIds, verifyOffsite, OFFSITE_SETTINGS } from '../../ops/backup/offsite.ts';
import type { OffsiteReport } from '../../ops/backup/offsite.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson } from '../output.ts';
import {
  offsiteOnly,
  offsiteState,
  renderBackup,
  renderList,
  renderPrune,
  renderRestore,
  renderVerify,
} from './render.ts';
import type { Listing } from './render.ts';

/** What writing a backup needs (a restore writes its safety backup too). */
const ENGINE = [
  'deployment',
  'compose',
  'postgres',
  'cipher',
  'synapse',
  'lock',
  'clock',
  'progress',
  'restic',
] as const;

export async function runBackup(f: { localOnly?: true; json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const want = [...ENGINE, 'offsite'] as const;
  // NOTE: the offsite target is built first: a broken RCLONE_CONFIG stops the run before it writes anything.
  const d = await buildDeps(f.localOnly === true ? want.filter((k) => k !== 'offsite') : want, { dir, json: f.json });
  const startedAt = d.clock.now();
  const seconds = () => (d.clock.now().getTime() - startedAt.getTime()) / 1000;
  // NOTE: every run is written down, a failed one too (state/backup-runs.json): a failure
  // leaves no backup behind, so without the record `mxctl check` could not tell anyone.
  const r = await writeBackup({}, d)
    .finally(d.end)
    .catch(async (error: unknown) => {
      const e = isMxError(error) ? error : { message: (error as Error).message };
      await recordBackupRun(d.deployment, failedRun(startedAt, e, seconds())).catch(() => undefined);
      throw error;
    });
  let offsite: OffsiteReport | string =
    f.localOnly === true ? 'skipped (--local-only)' : 'not configured (S3_BUCKET and RCLONE_REMOTE are empty)';
  let failure: MxError | undefined;
  const repository = d.deployment.settings.BACKUP_MODE === 'repository';
  // NOTE: in repository mode the repository is where backups go (offsite when it is s3: or
  // rclone:); the archive offsite copy is archive mode's.
  if (repository) offsite = `repository ${d.restic.description}: added ${r.repository?.addedBytes ?? 0} bytes`;
  if (d.offsite !== undefined && !repository) {
    try {
      offsite = await syncOffsite({}, { ...d, offsite: d.offsite });
    } catch (error) {
      if (!isMxError(error)) throw error;
      failure = error;
      offsite = `FAILED: ${error.message}`;
    }
  }
  await recordBackupRun(d.deployment, {
    at: startedAt.toISOString(),
    ok: true,
    id: r.id,
    offsite: offsiteOutcome({
      localOnly: f.localOnly === true,
      configured: repository ? !d.restic.description.startsWith('/') : d.offsite !== undefined,
      failed: failure !== undefined,
    }),
    ...(failure === undefined ? {} : { offsiteError: failure.message }),
    seconds: seconds(),
  });
  if (f.json === true) printJson({ ...r, offsite });
  else renderBackup(r, offsite);
  if (failure !== undefined)
    throw new MxError(
      'E_OFFSITE_FAILED',
      `The local backup ${r.id} is complete, but the offsite upload failed: ${failure.message}`,
      { hint: failure.hint ?? 'The next run uploads what is missing.' },
    );
}

export async function runBackupList(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'offsite', 'clock', 'restic'], { dir, json: f.json });
  const repository = await repositoryListing(d.deployment, d.restic);
  const listing: Listing = {
    catalog: await readCatalog(d.deployment),
    store: d.offsite,
    now: d.clock.now(),
    ...(await offsiteListing(d.offsite)),
  };
  if (f.json === true) printJson({ ...(listingJson(listing) as object), repository: repositoryJson(repository) });
  else {
    renderList(listing);
    renderRepositoryListing(repository);
  }
}

async function offsiteListing(store: ObjectStore | undefined): Promise<{ remote?: Set<string>; remoteError?: string }> {
  if (store === undefined) return {};
  try {
    return { remote: await offsiteIds(store) };
  } catch (error) {
    return { remoteError: (error as Error).message };
  }
}

function listingJson(l: Listing): unknown {
  const { catalog: c } = l;
  return {
    dir: c.dir,
    offsite: l.store?.description ?? null,
    offsite_error: l.remoteError ?? null,
    backups: c.entries.map((e) => ({
      id: e.id,
      created_at: e.createdAt,
      archive: e.archive,
      size: e.archiveBytes,
      state: e.state,
      verified_at: e.verifiedAt ?? null,
      offsite: offsiteState(l, e.id),
    })),
    offsite_only: offsiteOnly(l),
    incomplete: c.orphans,
  };
}

export async function runBackupVerify(
  ref: string,
  f: { offsite?: true; readData?: true; readDataSubset?: string; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.offsite !== true && (await inRepositoryMode(dir, ref))) return runRepositoryVerify(ref, f, dir);
  if (f.readData === true || f.readDataSubset !== undefined)
    throw new MxError(
      'E_USAGE',
      '--read-data and --read-data-subset are for repository mode (BACKUP_MODE=repository).',
      {
        hint: 'An archive is always read whole by `backup verify`.',
      },
    );
  const base = ['deployment', 'compose', 'postgres', 'cipher', 'clock', 'progress', 'offsite'] as const;
  const d = await buildDeps(f.offsite === true ? base : base.filter((k) => k !== 'offsite'), { dir, json: f.json });
  const verifying = async () => {
    if (f.offsite !== true) return verifyBackup({ ref }, d);
    if (d.offsite === undefined)
      throw new MxError('E_USAGE', `--offsite needs an offsite target in .env: ${OFFSITE_SETTINGS}.`);
    return verifyOffsite({ ref }, { ...d, offsite: d.offsite });
  };
  const r = await verifying().finally(d.end);
  if (f.json === true) printJson(r);
  else renderVerify(r);
  if (!r.ok)
    throw new MxError('E_BACKUP_CORRUPT', `Backup ${r.id} is damaged: do not rely on it.`, {
      hint: 'Take a new backup (`mxctl backup`) and check the disk it lives on.',
    });
}

export async function runRestore(
  ref: string,
  f: RecoverFlags & { safetyBackup: boolean; yes?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  // An absent or empty folder: disaster recovery onto a new machine (recover-run.ts).
  const { root } = deploymentRoot({ dir });
  const state = await folderState(root);
  if (state === 'absent' || state === 'empty' || state === 'unfinished') {
    if (!f.safetyBackup) throw new MxError('E_USAGE', '--no-safety-backup means nothing in an empty folder.');
    return (await import('./recover-run.ts')).runRecover(ref, f, { root, created: state === 'absent' });
  }
  if (state === 'other')
    throw new MxError('E_NO_DEPLOYMENT', `${root} is neither a deployment nor an empty folder.`, {
      hint: 'Point --dir at the deployment to restore into, or at a new (empty) folder to recreate it there from the backup.',
    });
  const newMachineOnly = (['passphraseFile', 'offsiteConfig', 'set'] as const).filter((k) => f[k] !== undefined);
  if (state === 'deployment' && newMachineOnly.length > 0)
    throw new MxError(
      'E_USAGE',
      `${newMachineOnly.map(flagName).join(', ')}: only for a restore into an empty folder; ${root} is a deployment (its .env has the passphrase and the offsite target).`,
      {
        hint: `A recovery stopped after it had recreated the deployment? Restore into it as into any: \`mxctl --dir ${root} restore ${ref}${f.fromOffsite === true ? ' --from-offsite' : ''}\`.`,
      },
    );
  const base = [...ENGINE, 'approve', 'offsite'] as const;
  const d = await buildDeps(f.fromOffsite === true ? base : base.filter((k) => k !== 'offsite'), {
    dir,
    json: f.json,
    yes: f.yes,
  });
  if (f.fromOffsite === true) {
    if (d.offsite === undefined)
      throw new MxError('E_USAGE', `--from-offsite needs an offsite target in .env: ${OFFSITE_SETTINGS}.`);
    ref = await fetchOffsite({ ref }, { ...d, offsite: d.offsite });
  }
  await d.approve(`Replace ${d.deployment.settings.MX_SERVER_NAME}'s database, media and config with backup ${ref}?`);
  const r = await restoreBackup({ ref, safetyBackup: f.safetyBackup, checks: f.checks }, d).finally(d.end);
  if (f.json === true) printJson(r);
  else renderRestore(r);
  if (!r.ok) {
    throw new MxError('E_CHECKS_FAILED', `The post-restore checklist failed for ${r.id}.`, {
      hint:
        r.safetyBackup === undefined
          ? 'See the items above.'
          : `See the items above; \`mxctl restore ${r.safetyBackup} --no-safety-backup --yes\` brings back the previous state.`,
    });
  }
}

export async function runBackupPrune(
  f: { keepDaily: number; keepWeekly: number; keepMonthly: number; localOnly?: true; dryRun?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  if ((await loadDeployment({ dir })).settings.BACKUP_MODE === 'repository')
    return runRepositoryPrune({ daily: f.keepDaily, weekly: f.keepWeekly, monthly: f.keepMonthly }, f, dir);
  const want = ['deployment', 'lock', 'offsite'] as const;
  const d = await buildDeps(f.localOnly === true ? want.filter((k) => k !== 'offsite') : want, { dir, json: f.json });
  const r = await pruneBackups(
    { policy: { daily: f.keepDaily, weekly: f.keepWeekly, monthly: f.keepMonthly }, dryRun: f.dryRun === true },
    d,
  );
  if (f.json === true) printJson(r);
  else renderPrune(r);
}

/** Repository mode, unless REF names an archive (switching modes keeps the old ones verifiable). */
async function inRepositoryMode(dir: string | undefined, ref: string): Promise<boolean> {
  const deployment = await loadDeployment({ dir });
  if (deployment.settings.BACKUP_MODE !== 'repository') return false;
  return ref === 'latest' || (!(await readCatalog(deployment)).entries.some((e) => e.id === ref) && !ref.includes('/'));
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
