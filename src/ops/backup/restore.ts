// mxctl restore. The pre-flight and the database restore overlap, and neither touches the live
// server: the archive is decrypted once, its files staged inside the deployment and its dump
// streamed into pg_restore filling a side database (<db>_mxctl_restore), while every sha256 is
// checked. Only when all of it checks out: a safety backup, stop Synapse, swap the side database
// in (one transaction of renames), put the files back, start, run the post-restore checklist.
// A restore killed before the swap leaves the server exactly as it was; a signal (SIGTERM...)
// stops it before the swap, or lets it finish once the swap has begun.
import { join } from 'node:path';
import { MxError, isMxError } from '../../core/errors.ts';
import { phaseTimer, secondsSince } from '../../core/clock.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { isRestored, leadsToRestored, mergeSettings, WHOLE_DIRS } from '../../core/backup/restore-plan.ts';
import { parseEnvFile } from '../../core/env-file.ts';
import { formatSettings, parseSettings } from '../../core/settings.ts';
import type { Settings } from '../../core/settings.ts';
import { withLock } from '../../adapters/lock.ts';
import { withStopHeld } from '../../adapters/interrupt.ts';
import { ensurePrivateDir, readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import { StagingFolder } from '../../adapters/archive/staged-files.ts';
import type { Deps } from '../deps.ts';
import { startStackUntilSynapseAnswers } from '../stack.ts';
import { takeSafety } from './safety.ts';
import type { Safety } from './safety.ts';
import { resolveRestoreSource } from './source.ts';
import type { RestoreSource } from './source.ts';
import { readRepositoryInto } from './repository-read.ts';
import { ensureBackupDir, lockPath } from './location.ts';
import { readArchiveInto } from './read.ts';
import type { ReadResult } from './read.ts';
import { preflightItems, refusal } from './preflight.ts';
import type { PreflightItem } from './preflight.ts';
import { runPostRestoreChecks } from './post-restore-checks.ts';
import type { CheckItem, ChecksMode } from './post-restore-checks.ts';

export type { PreflightItem } from './preflight.ts';

export type RestoreDeps = Pick<
  Deps,
  'deployment' | 'compose' | 'postgres' | 'cipher' | 'synapse' | 'lock' | 'clock' | 'progress'
> &
  // NOTE: optional: an upgrade's rollback restores its own archive and carries no restic; its
  // safety backup is then an archive (restorable in either mode).
  Partial<Pick<Deps, 'restic'>>;

export interface RestoreOptions {
  ref: string;
  safetyBackup: boolean;
  checks: ChecksMode;
  /** The deployment was just recreated from this backup (ops/backup/recreate.ts). */
  newDeployment?: boolean;
}

export interface RestoreReport {
  id: string;
  archive: string;
  preflight: PreflightItem[];
  safetyBackup?: string;
  /** Why no safety backup was taken although one was asked for, and where the replaced files are kept (if any). */
  noSafetyBackup?: { reason: string; savedFiles?: string };
  restoredFiles: number;
  /** Media identical to the live ones, staged as hard links instead of written again. */
  reusedMedia: { files: number; bytes: number };
  checks: CheckItem[];
  ok: boolean;
  seconds: number;
  /** Where the time went, phase by phase. */
  phases: { name: string; seconds: number }[];
}

/** The side databases of a restore: filled before the swap, and the one swapped out. */
export function sideDatabases(db: string): { incoming: string; replaced: string } {
  return { incoming: `${db}_mxctl_restore`, replaced: `${db}_mxctl_replaced` };
}

type Phases = ReturnType<typeof phaseTimer>;

/** One restore run: what every step needs to know. */
interface Run {
  target: RestoreSource;
  side: { incoming: string; replaced: string };
  staging: StagingFolder;
  phase: Phases;
}

/** The archive read into staging and the side database, judged. */
interface Staged {
  read: ReadResult;
  manifest: Manifest;
  preflight: PreflightItem[];
  /** The backup's .env, when it holds one. */
  archived: Settings | undefined;
}

export async function restoreBackup(o: RestoreOptions, d: RestoreDeps): Promise<RestoreReport> {
  const started = d.clock.now();
  const target = await resolveRestoreSource(o.ref, d);
  const dir = await ensureBackupDir(d.deployment);
  return withLock(d.lock, lockPath(dir), `restore ${target.id}`, async () => {
    const phase = phaseTimer(d.clock, d.progress.step);
    const side = sideDatabases(d.postgres.target.db);
    await prepare(side, d, phase);
    const staging = await StagingFolder.create(d.deployment.root);
    try {
      const report = await restoreStaged({ target, side, staging, phase }, o, d);
      return { ...report, seconds: secondsSince(d.clock, started), phases: phase.done() };
    } finally {
      // NOTE: IF EXISTS: after the swap the side database is the live one under its name.
      await d.postgres.dropDatabase(side.incoming).catch(() => undefined);
      await staging.remove();
    }
  });
}

/**
 * What killed restores left (we hold the lock, so none is in use): plaintext staging and a
 * half-filled side database. A leftover `replaced` database means a killed run got past the
 * swap: the live database is the restored one, and the old one is in that run's safety backup.
 */
async function prepare(side: Run['side'], d: RestoreDeps, phase: Phases): Promise<void> {
  phase.next('preparing (the database up, leftovers of killed runs removed)');
  await StagingFolder.removeLeftovers(d.deployment.root);
  await d.compose.up(['postgres'], { wait: true, timeoutS: 120 });
  await d.postgres.dropDatabase(side.incoming);
  await d.postgres.dropDatabase(side.replaced);
}

async function restoreStaged(
  run: Run,
  o: RestoreOptions,
  d: RestoreDeps,
): Promise<Omit<RestoreReport, 'seconds' | 'phases'>> {
  const staged = await stage(run, d);
  preflight(run, staged, d);
  // Synapse's docs: restored one-time keys would be handed out twice.
  await d.postgres.psql('TRUNCATE e2e_one_time_keys_json;', { db: run.side.incoming });
  const safety = await takeSafety(o.safetyBackup, run.phase, d, { newDeployment: o.newDeployment === true });
  const since = d.clock.now();
  try {
    // NOTE: a signal stops a restore before its swap; from the swap on it is finished, checklist
    // included: a server half-way between two states is worse than either.
    return await withStopHeld(async () => {
      await swap(run, staged, safety.keepReplacedIn !== undefined, d);
      const restored = await putFilesBack(run, staged, safety, d);
      await start(run, d);
      const checks = await checklist(run, staged, { since, mode: o.checks }, d);
      return {
        id: run.target.id,
        archive: run.target.archive,
        preflight: staged.preflight,
        ...(safety.backup === undefined ? {} : { safetyBackup: safety.backup }),
        ...(safety.skipped === undefined
          ? {}
          : {
              noSafetyBackup: {
                reason: safety.skipped,
                ...(safety.keepReplacedIn === undefined ? {} : { savedFiles: safety.keepReplacedIn }),
              },
            }),
        restoredFiles: restored.length,
        reusedMedia: staged.read.reused,
        checks,
        ok: checks.every((c) => c.ok),
      };
    });
  } catch (error) {
    // Without a safety backup, what was replaced so far must outlive the staging folder.
    if (safety.keepReplacedIn !== undefined)
      await run.staging.keepReplaced(safety.keepReplacedIn).catch(() => undefined);
    throw failedPartWay(run.target.id, safety, error);
  }
}

/**
 * One pass over the archive: files to staging, the dump into pg_restore filling the side database.
 * NOTE: from stdin, so a single pg_restore job; in exchange the load overlaps the decryption,
 * the checksums and the media (through a spool of the not-yet-loaded part of the dump, removed
 * as it loads: never a second whole copy of the dump unless pg_restore is that far behind).
 */
async function stage(run: Run, d: RestoreDeps): Promise<Staged> {
  // What the sidecar manifest already tells, before hours of decryption are spent.
  if (run.target.sidecar !== undefined) {
    const failed = preflightItems(d.deployment.settings, run.target.sidecar, [], true).filter((i) => !i.ok);
    if (failed.length > 0) throw refusal(run.target.id, failed);
  }
  run.phase.next(`decrypting and checking ${run.target.id}, restoring its database into ${run.side.incoming}`);
  await d.postgres.createDatabase(run.side.incoming);
  const { read, consumerError } =
    run.target.repository !== undefined
      ? await readRepositoryInto(run.target.repository, run.side.incoming, run.staging.path, d)
      : await readArchiveInto(
          run.target.archive,
          d.postgres.startRestore(run.side.incoming),
          {
            stagingDir: run.staging.path,
            dumpSpoolDir: join(run.staging.path, 'dump-spool'),
            // A restore onto the same server: unchanged media are linked, not written a second time.
            reuseFrom: { root: d.deployment.root, under: WHOLE_DIRS },
            // NOTE: no sidecar: its whole-archive sha256 adds nothing to gpg's integrity check and the
            // per-file sha256s against the manifest inside (the one a restore trusts), and costs a core
            // for seconds. `backup verify` still checks it (an offsite copy is judged by it).
          },
          d,
        );
  const m = read.manifest;
  const items = preflightItems(
    d.deployment.settings,
    m,
    read.problems,
    read.owners.has(`synapse/${m.server_name}.signing.key`),
  );
  if (consumerError !== undefined) items.push({ name: 'pg_restore loads the dump', ok: false, detail: consumerError });
  return { read, manifest: m, preflight: items, archived: await archivedSettings(run.staging) };
}

async function archivedSettings(staging: StagingFolder): Promise<Settings | undefined> {
  const text = await readTextIfAny(staging.deploymentPath('.env'));
  if (text === undefined) return undefined;
  const r = parseSettings(parseEnvFile(text).values);
  return r.ok ? r.settings : undefined;
}

/** Every pre-flight item must pass, or nothing is changed. */
function preflight(run: Run, staged: Staged, d: RestoreDeps): void {
  const s = d.deployment.settings;
  const a = staged.archived;
  if (a !== undefined && (a.POSTGRES_USER !== s.POSTGRES_USER || a.POSTGRES_DB !== s.POSTGRES_DB)) {
    staged.preflight.push({
      name: 'database identity matches',
      ok: false,
      detail: `backup ${a.POSTGRES_USER}/${a.POSTGRES_DB}, deployment ${s.POSTGRES_USER}/${s.POSTGRES_DB}`,
    });
  }
  const failed = staged.preflight.filter((i) => !i.ok);
  if (failed.length > 0) throw refusal(run.target.id, failed);
}

async function swap(run: Run, staged: Staged, keep: boolean, d: RestoreDeps): Promise<void> {
  run.phase.next('stopping synapse and swapping the restored database in');
  await d.compose.stop(['synapse']);
  await d.postgres.swapInDatabase(run.side.incoming, run.side.replaced);
  if (staged.archived === undefined) return;
  const merged = mergeSettings(d.deployment.settings, staged.archived);
  // The role's password must match the restored homeserver.yaml's (the fresh DB's may differ).
  await d.postgres.setRolePassword(merged.POSTGRES_PASSWORD);
  if (formatSettings(merged) === formatSettings(d.deployment.settings)) return;
  // Without a safety backup the .env it replaces is kept with the other replaced files.
  if (keep) {
    await ensurePrivateDir(join(run.staging.path, 'replaced'));
    await writeFileAtomic(join(run.staging.path, 'replaced', '.env'), formatSettings(d.deployment.settings), 0o600);
  }
  await writeFileAtomic(join(d.deployment.root, '.env'), formatSettings(merged), 0o600);
}

async function putFilesBack(run: Run, staged: Staged, safety: Safety, d: RestoreDeps): Promise<string[]> {
  run.phase.next('restoring configuration, signing key and media');
  const restored = await run.staging.putBack(d.deployment.root, staged.read.owners, {
    wholeDirs: WHOLE_DIRS,
    isRestored,
    leadsToRestored,
  });
  // What the restored files replaced is not needed any more (the safety backup holds the
  // previous state): it is removed while the stack starts, not after. Without one, it is kept.
  if (safety.keepReplacedIn !== undefined) await run.staging.keepReplaced(safety.keepReplacedIn);
  else run.staging.discardReplaced();
  return restored;
}

async function start(run: Run, d: RestoreDeps): Promise<void> {
  run.phase.next('starting the stack');
  await startStackUntilSynapseAnswers({}, d);
  await d.postgres.dropDatabase(run.side.replaced);
}

async function checklist(
  run: Run,
  staged: Staged,
  o: { since: Date; mode: ChecksMode },
  d: RestoreDeps,
): Promise<CheckItem[]> {
  run.phase.next('post-restore checklist');
  return runPostRestoreChecks({ manifest: staged.manifest, ...o }, d);
}

/** A failure after the safety backup: the way back is named. */
function failedPartWay(id: string, safety: Safety, error: unknown): MxError {
  const hint =
    safety.backup !== undefined
      ? `Bring back the previous state with \`mxctl restore ${safety.backup} --no-safety-backup\`.`
      : safety.keepReplacedIn !== undefined
        ? `Run the restore again; the files it replaced are kept in ${safety.keepReplacedIn}.`
        : 'Run the restore again.';
  const msg = (error as Error).message;
  return new MxError('E_RESTORE_FAILED', `The restore of ${id} failed part-way: ${msg}`, {
    hint,
    cause: error,
    ...(isMxError(error) && error.detail !== undefined ? { detail: error.detail } : {}),
  });
}
