// mxctl restore. The pre-flight and the database restore overlap, and neither touches the live
// server: the archive is decrypted once, its files staged inside the deployment and its dump
// streamed into pg_restore filling a side database (<db>_mxctl_restore), while every sha256 is
// checked. Only when all of it checks out: a safety backup, stop Synapse, swap the side database
// in (one transaction of renames), put the files back, start, run the post-restore checklist.
// A restore killed before the swap leaves the server exactly as it was.
import { systemClock } from '../../adapters/clock.ts';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MxError, isMxError } from '../../core/errors.ts';
import { judgeSchema } from '../../core/backup/schema-compat.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { acquireLock } from '../../adapters/lock.ts';
import { createDatabase, dropDatabase, execStreaming, psql, setRolePassword, swapInDatabase } from '../../adapters/postgres.ts';
import type { PgTarget } from '../../adapters/postgres.ts';
import type { Meter } from '../../core/progress.ts';
import type { StackContext } from '../context.ts';
import { pgTarget, createBackup } from './create.ts';
import type { BackupReport } from './create.ts';
import { resolveBackup } from './catalog.ts';
import { ensureBackupDir, lockPath } from './location.ts';
import { readArchiveInto } from './read.ts';
import { discardReplaced, mergeSettings, readArchivedSettings, removeStaging, restoreFiles, writeMergedSettings, WHOLE_DIRS } from './restore-files.ts';
import { runPostRestoreChecks } from './post-restore-checks.ts';
import { startStackUntilSynapseAnswers } from '../stack.ts';
import type { CheckItem, ChecksMode } from './post-restore-checks.ts';

export interface RestoreOptions {
  ref: string;
  safetyBackup: boolean;
  checks: ChecksMode;
  progress?: (line: string) => void;
  meter?: Meter;
}

export interface PreflightItem {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RestoreReport {
  id: string;
  archive: string;
  preflight: PreflightItem[];
  safetyBackup?: string;
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

/** Names each phase as it starts (for the progress display) and times it (for the report). */
function phaseClock(say: (line: string) => void): { next(name: string): void; done(): { name: string; seconds: number }[] } {
  const phases: { name: string; seconds: number }[] = [];
  let current: { name: string; at: number } | undefined;
  const close = () => {
    if (current !== undefined) phases.push({ name: current.name, seconds: (Date.now() - current.at) / 1000 });
  };
  return {
    next(name) {
      close();
      current = { name, at: Date.now() };
      say(name);
    },
    done() {
      close();
      current = undefined;
      return phases;
    },
  };
}

function preflight(ctx: StackContext, m: Manifest, problems: readonly string[], stagedSigningKey: boolean): PreflightItem[] {
  const s = ctx.deployment.settings;
  const schema = judgeSchema({ version: m.schema_version, compat: m.schema_compat_version }, s.SYNAPSE_IMAGE);
  return [
    { name: 'archive decrypts and every checksum matches', ok: problems.length === 0, detail: problems.length === 0 ? `${m.files.length} files, ${m.database.size} bytes of dump` : problems.slice(0, 5).join('; ') },
    { name: 'server name matches', ok: m.server_name === s.MX_SERVER_NAME, detail: `backup ${m.server_name}, deployment ${s.MX_SERVER_NAME}` },
    { name: 'signing key present', ok: stagedSigningKey, detail: stagedSigningKey ? `synapse/${m.server_name}.signing.key` : 'the archive has no signing key: Synapse would silently make a new one' },
    { name: 'schema runnable by the pinned Synapse', ok: schema.ok, detail: schema.detail },
  ];
}

export async function restoreBackup(ctx: StackContext, o: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const phase = phaseClock(o.progress ?? (() => undefined));
  const d = ctx.deployment;
  const target = await resolveBackup(d, o.ref);
  const dir = await ensureBackupDir(d);
  const lock = await acquireLock(lockPath(dir), `restore ${target.id}`);
  const pg = pgTarget(ctx);
  const side = sideDatabases(pg.db);
  try {
    phase.next('preparing (the database up, leftovers of killed runs removed)');
    // What killed restores left (we hold the lock, so none is in use): plaintext staging and a
    // half-filled side database. A leftover `replaced` database means a killed run got past the
    // swap: the live database is the restored one, and the old one is in that run's safety backup.
    for (const name of await readdir(d.root)) if (name.startsWith('.restore-')) await removeStaging(join(d.root, name));
    await ctx.compose.up(['postgres'], { wait: true, timeoutS: 120 });
    await dropDatabase(pg, side.incoming);
    await dropDatabase(pg, side.replaced);
  } catch (error) {
    await lock.release();
    throw error;
  }
  const staging = await mkdtemp(join(d.root, '.restore-'));
  let incomingExists = false;
  let discarding: Promise<void> = Promise.resolve();
  try {
    if (target.sidecar !== undefined) refuseEarly(ctx, target.id, target.sidecar);
    phase.next(`decrypting and checking ${target.id}, restoring its database into ${side.incoming}`);
    await createDatabase(pg, side.incoming);
    incomingExists = true;
    const { read, consumerError: restoreError } = await readIntoSideDatabase(ctx, pg, side.incoming, target, staging, o);
    const m = read.manifest;
    const hasKey = read.owners.has(`synapse/${m.server_name}.signing.key`);
    const items = preflight(ctx, m, read.problems, hasKey);
    if (restoreError !== undefined) items.push({ name: 'pg_restore loads the dump', ok: false, detail: restoreError });
    const archived = await readArchivedSettings(staging);
    if (archived !== undefined && (archived.POSTGRES_USER !== d.settings.POSTGRES_USER || archived.POSTGRES_DB !== d.settings.POSTGRES_DB)) {
      items.push({ name: 'database identity matches', ok: false, detail: `backup ${archived.POSTGRES_USER}/${archived.POSTGRES_DB}, deployment ${d.settings.POSTGRES_USER}/${d.settings.POSTGRES_DB}` });
    }
    const failed = items.filter((i) => !i.ok);
    if (failed.length > 0) {
      throw new MxError('E_RESTORE_REFUSED', `Restore of ${target.id} refused before any change: ${failed.map((f) => `${f.name} (${f.detail})`).join('; ')}.`, {
        hint: 'Nothing was changed. Pick another backup (`mxctl backup list`) or fix what is named above.',
      });
    }
    // Synapse's docs: restored one-time keys would be handed out twice.
    await psql(pg, 'TRUNCATE e2e_one_time_keys_json;', { db: side.incoming });

    let safety: BackupReport | undefined;
    if (o.safetyBackup) {
      phase.next('safety backup of the current state');
      try {
        safety = await createBackup(ctx, { tag: 'pre-restore', lockHeld: true, ...(o.meter === undefined ? {} : { meter: o.meter }) });
      } catch (error) {
        throw new MxError('E_RESTORE_REFUSED', `The safety backup of the current state failed, so nothing was restored: ${(error as Error).message}`, {
          hint: 'Fix that, or (when the current state is worthless, e.g. a fresh server) run again with --no-safety-backup.',
          cause: error,
        });
      }
    }

    const restartHint = safety === undefined ? 'Run the restore again.' : `Bring back the previous state with \`mxctl restore ${safety.id} --no-safety-backup\`.`;
    const restoreStarted = new Date();
    try {
      phase.next('stopping synapse and swapping the restored database in');
      await ctx.compose.stop(['synapse']);
      await swapInDatabase(pg, side.incoming, side.replaced);
      incomingExists = false;
      if (archived !== undefined) {
        const merged = mergeSettings(d.settings, archived);
        // The role's password must match the restored homeserver.yaml's (the fresh DB's may differ).
        await setRolePassword(pg, merged.POSTGRES_PASSWORD);
        await writeMergedSettings(d.root, merged, d.settings);
      }
      phase.next('restoring configuration, signing key and media');
      const restored = await restoreFiles(staging, d.root, read.owners);
      // What the restored files replaced is not needed any more (the safety backup holds the
      // previous state): it is removed while the stack starts, not after.
      discarding = discardReplaced(staging);
      phase.next('starting the stack');
      await startStackUntilSynapseAnswers({}, { ...ctx, clock: systemClock });
      await dropDatabase(pg, side.replaced);
      phase.next('post-restore checklist');
      const checks = await runPostRestoreChecks(ctx, m, { since: restoreStarted, mode: o.checks });
      const ok = checks.every((c) => c.ok);
      const phases = phase.done();
      return { id: target.id, archive: target.archive, preflight: items, ...(safety === undefined ? {} : { safetyBackup: safety.id }), restoredFiles: restored.length, reusedMedia: read.reused, checks, ok, seconds: (Date.now() - started) / 1000, phases };
    } catch (error) {
      const msg = isMxError(error) ? error.message : (error as Error).message;
      throw new MxError('E_RESTORE_FAILED', `The restore of ${target.id} failed part-way: ${msg}`, { hint: restartHint, cause: error, ...(isMxError(error) && error.detail !== undefined ? { detail: error.detail } : {}) });
    }
  } finally {
    if (incomingExists) await dropDatabase(pg, side.incoming).catch(() => undefined);
    await discarding;
    await removeStaging(staging);
    await lock.release();
  }
}

/** What the sidecar manifest already tells, before hours of decryption are spent. */
function refuseEarly(ctx: StackContext, id: string, m: Manifest): void {
  const failed = preflight(ctx, m, [], true).filter((i) => !i.ok);
  if (failed.length > 0) {
    throw new MxError('E_RESTORE_REFUSED', `Restore of ${id} refused before any change: ${failed.map((f) => `${f.name} (${f.detail})`).join('; ')}.`, {
      hint: 'Nothing was changed. Pick another backup (`mxctl backup list`) or fix what is named above.',
    });
  }
}

/**
 * One pass over the archive: files to staging, the dump into pg_restore filling `incoming`.
 * NOTE: from stdin, so a single pg_restore job; in exchange the load overlaps the decryption,
 * the checksums and the media (through a spool of the not-yet-loaded part of the dump, removed
 * as it loads: never a second whole copy of the dump unless pg_restore is that far behind).
 */
async function readIntoSideDatabase(ctx: StackContext, pg: PgTarget, incoming: string, target: { archive: string }, staging: string, o: Pick<RestoreOptions, 'meter' | 'progress'>) {
  const restore = execStreaming(ctx.deployment.composeDir, ['pg_restore', '-U', pg.user, '-d', incoming, '--no-owner', '--role', pg.user, '--exit-on-error'], 'restoring the database (pg_restore)', 'E_RESTORE_FAILED');
  return readArchiveInto(target.archive, restore, {
    passphrase: ctx.deployment.settings.BACKUP_PASSPHRASE,
    stagingDir: staging,
    dumpSpoolDir: join(staging, 'dump-spool'),
    // A restore onto the same server: unchanged media are linked, not written a second time.
    reuseFrom: { root: ctx.deployment.root, under: WHOLE_DIRS },
    // NOTE: no sidecar: its whole-archive sha256 adds nothing to gpg's integrity check and the
    // per-file sha256s against the manifest inside (the one a restore trusts), and costs a core
    // for seconds. `backup verify` still checks it (an offsite copy is judged by it).
    ...(o.meter === undefined ? {} : { meter: o.meter }),
    ...(o.progress === undefined ? {} : { progress: o.progress }),
  });
}
