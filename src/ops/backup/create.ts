// mxctl backup: one streamed, encrypted archive per run.
//   pg_dump -Fc ──chunks──┐
//   deployment files ─────┼─► tar ─► gpg (AES-256) ─► sha256 ─► <dir>/.<id>.tar.gpg.partial
//   manifest (last entry) ┘
// then fsync + rename to <id>.tar.gpg, then <id>.manifest.json (a backup exists only when its
// manifest does). Memory is bounded by one dump chunk; the only disk used is the archive itself.
import { createHash } from 'node:crypto';
import { open, rename, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MxError, isMxError } from '../../core/errors.ts';
import { KEY_TABLES, MANIFEST_FORMAT, judgeDump, restoreReadme } from '../../core/backup/manifest.ts';
import type { Manifest, ManifestFile } from '../../core/backup/manifest.ts';
import { archiveName, backupId, dbChunkName, manifestName, FILES_PREFIX, INNER_MANIFEST, INNER_README } from '../../core/backup/naming.ts';
import { endOfArchive } from '../../core/backup/tar-format.ts';
import { tarBuffer, tarFile } from '../../adapters/tar-stream.ts';
import { startEncrypt } from '../../adapters/gpg.ts';
import { countRows, psql, schemaVersions, startDump } from '../../adapters/postgres.ts';
import type { PgTarget } from '../../adapters/postgres.ts';
import { acquireLock } from '../../adapters/lock.ts';
import type { HeldLock } from '../../adapters/lock.ts';
import { fsyncDir, isNoSpace, writeFileAtomic } from '../../adapters/fs.ts';
import type { Meter } from '../../core/progress.ts';
import type { StackContext } from '../context.ts';
import { collectFiles, hostPathOf, referencedPaths } from './files.ts';
import { backupDirInside, ensureBackupDir, lockPath } from './location.ts';

export const MXCTL_VERSION = '0.1.0';
/** Dump chunk size: the archive's memory bound (a tar header needs the size before the data). */
export const DB_CHUNK_BYTES = 16 * 1024 * 1024;

export interface BackupOptions {
  /** Appended to the id (`pre-restore` for a restore's safety backup). */
  tag?: string;
  progress?: (line: string) => void;
  /** Archive bytes written; the total is known once the database is dumped and the files listed. */
  meter?: Meter;
  /** Set by restore, which already holds the lock. */
  lockHeld?: boolean;
  now?: () => Date;
}

export interface BackupReport {
  id: string;
  archive: string;
  manifest: string;
  archiveBytes: number;
  databaseBytes: number;
  files: number;
  fileBytes: number;
  rowCounts: Record<string, number>;
  warnings: string[];
  seconds: number;
}

export function pgTarget(ctx: StackContext): PgTarget {
  return { composeDir: ctx.deployment.composeDir, user: ctx.deployment.settings.POSTGRES_USER, db: ctx.deployment.settings.POSTGRES_DB };
}

async function freeId(dir: string, at: Date, tag: string | undefined): Promise<string> {
  const existing = new Set(await readdir(dir));
  for (let bump = 0; bump < 120; bump++) {
    const id = backupId(new Date(at.getTime() + bump * 1000), tag);
    if (!existing.has(archiveName(id)) && !existing.has(manifestName(id)) && !existing.has(`.${archiveName(id)}.partial`)) return id;
  }
  throw new MxError('E_BACKUP_FAILED', 'No free backup id in the next two minutes (clock problem?).');
}

/** Counts taken just before the dump: compared (>=) after a restore. */
async function describeDatabase(t: PgTarget): Promise<{ rows: Record<string, number>; messages: number; schema: { version: number; compat: number } }> {
  const schema = await schemaVersions(t);
  if (schema === undefined) {
    throw new MxError('E_BACKUP_FAILED', 'The database has no Synapse schema (schema_version table missing): nothing to back up.', {
      hint: 'Has Synapse ever started against this database? `mxctl status` shows it.',
    });
  }
  const rows = await countRows(t, KEY_TABLES);
  const messages = Number((await psql(t, "SELECT count(*) FROM events WHERE type = 'm.room.message';")).trim());
  return { rows, messages, schema };
}

/** Partial archives of killed runs (we hold the lock, so none is being written). */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith('.') && name.endsWith('.partial')) await rm(join(dir, name), { force: true });
  }
}

export async function createBackup(ctx: StackContext, o: BackupOptions = {}): Promise<BackupReport> {
  const started = Date.now();
  const say = o.progress ?? (() => undefined);
  const d = ctx.deployment;
  const dir = await ensureBackupDir(d);
  let lock: HeldLock | undefined;
  if (o.lockHeld !== true) lock = await acquireLock(lockPath(dir), 'backup');
  try {
    await removeLeftovers(dir);
    return await writeBackup(ctx, dir, o, say, started);
  } finally {
    await lock?.release();
  }
}

async function writeBackup(ctx: StackContext, dir: string, o: BackupOptions, say: (l: string) => void, started: number): Promise<BackupReport> {
  const d = ctx.deployment;
  const pg = pgTarget(ctx);
  const now = (o.now ?? (() => new Date()))();
  const id = await freeId(dir, now, o.tag);
  const partial = join(dir, `.${archiveName(id)}.partial`);
  const finalArchive = join(dir, archiveName(id));
  const warnings: string[] = [];

  say('reading the database state');
  const db = await describeDatabase(pg);
  let synapseVersion = 'unknown';
  try {
    synapseVersion = await ctx.synapse.serverVersion();
  } catch {
    warnings.push('Synapse did not answer: its version is recorded as "unknown".');
  }

  const excluded = [backupDirInside(d)].filter((x): x is string => x !== undefined);
  const manifestFiles: ManifestFile[] = [];
  const dbHash = createHash('sha256');
  const dbChunks: string[] = [];
  let dbBytes = 0;
  let fileBytes = 0;

  const dump = startDump(pg);
  const gpg = await startEncrypt(d.settings.BACKUP_PASSPHRASE);
  const archiveHash = createHash('sha256');
  let archiveBytes = 0;

  async function* archiveEntries(): AsyncGenerator<Buffer> {
    const mtime = Math.floor(now.getTime() / 1000);
    yield* tarBuffer({ path: INNER_README, mode: 0o644, uid: 0, gid: 0, mtime }, Buffer.from(restoreReadme(id)));
    say('dumping the database (pg_dump -Fc)');
    let chunk = Buffer.allocUnsafe(DB_CHUNK_BYTES);
    let fill = 0;
    let head: Buffer | undefined;
    function* flush(): Generator<Buffer> {
      if (fill === 0) return;
      const name = dbChunkName(dbChunks.length);
      dbChunks.push(name);
      // NOTE: a fresh buffer per chunk (not a reused one plus a copy): the consumer may still
      // hold the previous one, and a copy would double the memory bound.
      const full = chunk.subarray(0, fill);
      chunk = Buffer.allocUnsafe(DB_CHUNK_BYTES);
      fill = 0;
      yield* tarBuffer({ path: name, mode: 0o600, uid: 0, gid: 0, mtime }, full);
    }
    for await (const data of dump.stdout) {
      let buf = data as Buffer;
      head ??= Buffer.from(buf.subarray(0, 16));
      dbHash.update(buf);
      dbBytes += buf.length;
      while (buf.length > 0) {
        const take = Math.min(buf.length, DB_CHUNK_BYTES - fill);
        buf.copy(chunk, fill, 0, take);
        fill += take;
        buf = buf.subarray(take);
        if (fill === DB_CHUNK_BYTES) yield* flush();
      }
    }
    await dump.done;
    const verdict = judgeDump(dbBytes, head ?? Buffer.alloc(0));
    if (!verdict.ok) throw new MxError('E_BACKUP_FAILED', `The database dump is not usable: ${verdict.reason}.`, { hint: 'Check `mxctl logs postgres`; no backup was written.' });
    yield* flush();

    say('archiving configuration, keys and media');
    const files = await collectFiles(d.root, excluded);
    // Each entry adds a 512-byte header and pads to 512: close enough for a progress total.
    expectedBytes = archiveBytes + files.reduce((n, f) => n + 512 + Math.ceil(f.size / 512) * 512, 0);
    for (const f of files) {
      const hash = createHash('sha256');
      const path = `${FILES_PREFIX}${f.rel}`;
      yield* tarFile(
        { path, type: f.type, size: f.size, mode: f.mode, uid: f.uid, gid: f.gid, mtime: f.mtime, ...(f.linkname === undefined ? {} : { linkname: f.linkname }) },
        f.abs,
        (c) => hash.update(c),
      );
      fileBytes += f.size;
      manifestFiles.push({
        path: f.rel,
        type: f.type,
        size: f.size,
        mode: f.mode,
        ...(f.type === 'file' ? { sha256: hash.digest('hex') } : {}),
        ...(f.linkname === undefined ? {} : { linkname: f.linkname }),
      });
    }
    const inArchive = new Set(manifestFiles.map((f) => f.path));
    const referenced = (await referencedPaths(join(d.root, 'synapse', 'homeserver.yaml'))).map((p) => {
      const host = hostPathOf(p);
      if (host === undefined || !inArchive.has(host)) warnings.push(`homeserver.yaml names ${p}, which is not in the deployment folder: back it up separately.`);
      return host !== undefined && inArchive.has(host) ? { config_path: p, backed_up_as: host } : { config_path: p };
    });
    const signingKey = manifestFiles.find((f) => /^synapse\/[^/]+\.signing\.key$/.test(f.path));
    if (signingKey === undefined) throw new MxError('E_BACKUP_FAILED', 'The Synapse signing key is missing from synapse/: refusing to write a backup without it.');
    manifest = {
      format: MANIFEST_FORMAT,
      id,
      created_at: now.toISOString(),
      mxctl_version: MXCTL_VERSION,
      server_name: d.settings.MX_SERVER_NAME,
      synapse_version: synapseVersion,
      schema_version: db.schema.version,
      schema_compat_version: db.schema.compat,
      row_counts: db.rows,
      message_count: db.messages,
      database: { chunks: dbChunks, size: dbBytes, sha256: dbHash.digest('hex'), excluded_table_data: ['e2e_one_time_keys_json'] },
      files: manifestFiles,
      referenced_files: referenced,
    };
    yield* tarBuffer({ path: INNER_MANIFEST, mode: 0o600, uid: 0, gid: 0, mtime }, Buffer.from(`${JSON.stringify(manifest)}\n`));
    yield endOfArchive();
  }
  let manifest: Manifest | undefined;
  let expectedBytes: number | undefined;

  const out = await open(partial, 'wx', 0o600);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.write(chunk).then(() => cb(), cb);
    },
  });
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      archiveHash.update(chunk);
      archiveBytes += chunk.length;
      o.meter?.(archiveBytes, expectedBytes);
      cb(null, chunk);
    },
  });
  try {
    // Every process must succeed: the first failure kills the others (borgmatic's rule).
    let failure: unknown;
    const abortAll = (error: unknown) => {
      failure ??= error;
      dump.kill();
      gpg.kill();
    };
    await Promise.all([
      pipeline(Readable.from(archiveEntries(), { objectMode: false }), gpg.stdin).catch(abortAll),
      pipeline(gpg.stdout, hasher, sink).catch(abortAll),
      gpg.done.catch(abortAll),
      dump.done.catch(abortAll),
    ]);
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error('the backup pipeline failed', { cause: failure });
    await out.sync();
    await out.close();
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(partial, { force: true });
    if (isNoSpace(error)) {
      throw new MxError('E_NO_SPACE', `The backup folder ${dir} ran out of space; the partial archive was removed.`, {
        hint: 'Free space there (or point BACKUP_DIR at a bigger disk), then run the backup again.',
      });
    }
    if (isMxError(error)) throw error;
    throw new MxError('E_BACKUP_FAILED', `The backup failed: ${(error as Error).message}`, { cause: error });
  }
  if (manifest === undefined) throw new MxError('E_BACKUP_FAILED', 'The archive was written without its manifest (internal error).');
  await rename(partial, finalArchive);
  await fsyncDir(dir);
  const sidecar: Manifest = { ...manifest, archive: { name: archiveName(id), size: archiveBytes, sha256: archiveHash.digest('hex') } };
  const manifestPath = join(dir, manifestName(id));
  try {
    await writeFileAtomic(manifestPath, `${JSON.stringify(sidecar, null, 1)}\n`, 0o600);
  } catch (error) {
    // NOTE: an archive without a manifest is not a backup; don't leave one that looks like it.
    await rm(finalArchive, { force: true });
    if (isNoSpace(error)) throw new MxError('E_NO_SPACE', `The backup folder ${dir} ran out of space writing the manifest; the archive was removed.`);
    throw error;
  }
  say(`backup ${id} written`);
  return {
    id,
    archive: finalArchive,
    manifest: manifestPath,
    archiveBytes,
    databaseBytes: dbBytes,
    files: manifestFiles.length,
    fileBytes,
    rowCounts: db.rows,
    warnings,
    seconds: (Date.now() - started) / 1000,
  };
}
