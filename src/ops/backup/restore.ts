// mxctl restore: pre-flight (decrypt to staging, verify every checksum, server name, signing key,
// schema) before anything changes; a safety backup; then stop Synapse, recreate the database,
// pg_restore, truncate one-time keys, put the files back, start, and run the post-restore checklist.
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MxError, isMxError } from '../../core/errors.ts';
import { judgeSchema } from '../../core/backup/schema-compat.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { acquireLock } from '../../adapters/lock.ts';
import { execStreaming, psql, recreateDatabase } from '../../adapters/postgres.ts';
import type { StackContext } from '../context.ts';
import { pgTarget, createBackup } from './create.ts';
import type { BackupReport } from './create.ts';
import { resolveBackup } from './catalog.ts';
import { ensureBackupDir, lockPath } from './location.ts';
import { readArchive } from './read.ts';
import { mergeSettings, readArchivedSettings, removeStaging, restoreFiles, writeMergedSettings } from './restore-files.ts';
import { runPostRestoreChecks } from './post-restore-checks.ts';
import type { CheckItem, ChecksMode } from './post-restore-checks.ts';

export interface RestoreOptions {
  ref: string;
  safetyBackup: boolean;
  checks: ChecksMode;
  progress?: (line: string) => void;
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
  checks: CheckItem[];
  ok: boolean;
  seconds: number;
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
  const say = o.progress ?? (() => undefined);
  const d = ctx.deployment;
  const target = await resolveBackup(d, o.ref);
  const dir = await ensureBackupDir(d);
  const lock = await acquireLock(lockPath(dir), `restore ${target.id}`);
  // Staging folders of killed restores (we hold the lock, so none is in use): plaintext, remove.
  for (const name of await readdir(d.root)) if (name.startsWith('.restore-')) await removeStaging(join(d.root, name));
  const staging = await mkdtemp(join(d.root, '.restore-'));
  try {
    say(`decrypting and checking ${target.id}`);
    const read = await readArchive(target.archive, {
      passphrase: d.settings.BACKUP_PASSPHRASE,
      stagingDir: staging,
      ...(target.sidecar === undefined ? {} : { sidecar: target.sidecar }),
    });
    const m = read.manifest;
    const hasKey = read.owners.has(`synapse/${m.server_name}.signing.key`);
    const items = preflight(ctx, m, read.problems, hasKey);
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

    let safety: BackupReport | undefined;
    if (o.safetyBackup) {
      say('safety backup of the current state');
      try {
        safety = await createBackup(ctx, { tag: 'pre-restore', lockHeld: true, progress: say });
      } catch (error) {
        throw new MxError('E_RESTORE_REFUSED', `The safety backup of the current state failed, so nothing was restored: ${(error as Error).message}`, {
          hint: 'Fix that, or (when the current state is worthless, e.g. a fresh server) run again with --no-safety-backup.',
          cause: error,
        });
      }
    }

    const restartHint = safety === undefined ? 'Run the restore again.' : `Bring back the previous state with \`mxctl restore ${safety.id} --no-safety-backup\`.`;
    const pg = pgTarget(ctx);
    const restoreStarted = new Date();
    try {
      say('stopping synapse');
      await ctx.compose.stop(['synapse']);
      await ctx.compose.up(['postgres'], { wait: true, timeoutS: 120 });
      say('recreating the database (UTF8, C)');
      await recreateDatabase(pg);
      say('pg_restore');
      // NOTE: from stdin, single job: the dump never needs a second copy inside the container.
      const restore = execStreaming(d.composeDir, ['pg_restore', '-U', pg.user, '-d', pg.db, '--no-owner', '--role', pg.user, '--exit-on-error'], 'restoring the database (pg_restore)', 'E_RESTORE_FAILED');
      await Promise.all([pipeline(createReadStream(join(staging, 'database.pgdump')), restore.stdin), restore.done]);
      // Synapse's docs: restored one-time keys would be handed out twice.
      await psql(pg, 'TRUNCATE e2e_one_time_keys_json;');
      if (archived !== undefined) {
        const merged = mergeSettings(d.settings, archived);
        // The role's password must match the restored homeserver.yaml's (the fresh DB's may differ).
        const pw = merged.POSTGRES_PASSWORD.replaceAll("'", "''");
        await psql(pg, `ALTER ROLE "${pg.user.replaceAll('"', '""')}" PASSWORD '${pw}';`);
        await writeMergedSettings(d.root, merged, d.settings);
      }
      say('restoring configuration, signing key and media');
      const restored = await restoreFiles(staging, d.root, read.owners);
      say('starting the stack');
      await ctx.compose.up([], { wait: true, timeoutS: 300 });
      say('post-restore checklist');
      const checks = await runPostRestoreChecks(ctx, m, { since: restoreStarted, mode: o.checks });
      const ok = checks.every((c) => c.ok);
      return { id: target.id, archive: target.archive, preflight: items, ...(safety === undefined ? {} : { safetyBackup: safety.id }), restoredFiles: restored.length, checks, ok, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      const msg = isMxError(error) ? error.message : (error as Error).message;
      throw new MxError('E_RESTORE_FAILED', `The restore of ${target.id} failed part-way: ${msg}`, { hint: restartHint, cause: error, ...(isMxError(error) && error.detail !== undefined ? { detail: error.detail } : {}) });
    }
  } finally {
    await removeStaging(staging);
    await lock.release();
  }
}
