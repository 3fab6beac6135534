// mxctl backup: one streamed, encrypted archive per run.
//   pg_dump -Fc ──chunks──┐
//   deployment files ─────┼─► tar ─► gpg (AES-256) ─► sha256 ─► <dir>/.<id>.tar.gpg.partial
//   manifest (last entry) ┘
// then fsync + rename to <id>.tar.gpg, then <id>.manifest.json (a backup exists only when its
// manifest does). Memory is bounded by one dump chunk; the only disk used is the archive itself.
import { join } from 'node:path';
import { MxError, isMxError, wrapError } from '../../core/errors.ts';
import { KEY_TABLES, judgeDump, restoreReadme } from '../../core/backup/manifest.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { buildManifest, sidecarManifest } from '../../core/backup/build-manifest.ts';
import { isExcluded, referencedPaths } from '../../core/backup/file-selection.ts';
import {
  archiveName,
  candidateIds,
  manifestName,
  FILES_PREFIX,
  INNER_MANIFEST,
  INNER_README,
} from '../../core/backup/naming.ts';
import { endOfArchive } from '../../core/backup/tar-format.ts';
import type { Meter } from '../../core/progress.ts';
import { MXCTL_VERSION } from '../../core/version.ts';
import { withLock } from '../../adapters/lock.ts';
import { stopSignal } from '../../adapters/interrupt.ts';
import {
  fsyncDir,
  isNoSpace,
  listDir,
  moveFile,
  readTextIfAny,
  removePath,
  writeFileAtomic,
} from '../../adapters/fs.ts';
import type { Postgres, StreamingProcess } from '../../adapters/postgres.ts';
import { collectFiles } from '../../adapters/archive/source-files.ts';
import { dumpChunkEntries, entriesBytes, fileEntries, memoryEntry } from '../../adapters/archive/entries.ts';
import type { DumpSummary } from '../../adapters/archive/entries.ts';
import { writeEncryptedFile } from '../../adapters/archive/writer.ts';
import type { WrittenArchive } from '../../adapters/archive/writer.ts';
import type { Deps } from '../deps.ts';
import { backupDirInside, ensureBackupDir, lockPath } from './location.ts';

export type BackupDeps = Pick<Deps, 'deployment' | 'postgres' | 'cipher' | 'synapse' | 'lock' | 'clock' | 'progress'>;

export interface BackupOptions {
  /** Appended to the id (`pre-restore` for a restore's safety backup). */
  tag?: string;
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
  /** Repository mode: where it went, and the bytes this backup added there (restic's data_added). */
  repository?: { location: string; addedBytes: number };
}

export interface DatabaseState {
  rows: Record<string, number>;
  messages: number;
  schema: { version: number; compat: number };
}

/** What a run knows before the archive is written. */
interface ArchivePlan {
  id: string;
  dir: string;
  createdAt: Date;
  db: DatabaseState;
  synapseVersion: string;
}

/** What the archive's entries turned out to be (the generator's return value). */
interface ArchivedContent {
  manifest: Manifest;
  warnings: string[];
  fileBytes: number;
}

export async function createBackup(o: BackupOptions, d: BackupDeps): Promise<BackupReport> {
  const dir = await ensureBackupDir(d.deployment);
  return withLock(d.lock, lockPath(dir), 'backup', () => createBackupLocked(o, d));
}

/** `createBackup` for a caller that already holds the backup folder's lock (restore's safety backup). */
export async function createBackupLocked(o: BackupOptions, d: BackupDeps): Promise<BackupReport> {
  const startedAt = d.clock.now();
  const dir = await ensureBackupDir(d.deployment);
  await removeLeftovers(dir);
  const id = await freeId(dir, startedAt, o.tag);
  d.progress.step('reading the database state');
  const db = await describeDatabase(d.postgres);
  const { version: synapseVersion, warnings } = await synapseVersionOf(d);
  const plan = { id, dir, createdAt: startedAt, db, synapseVersion };
  const { content, archive } = await writeArchive(plan, d);
  const paths = await commitArchive(plan, content.manifest, archive);
  d.progress.step(`backup ${id} written`);
  return {
    id,
    ...paths,
    archiveBytes: archive.bytes,
    databaseBytes: content.manifest.database.size,
    files: content.manifest.files.length,
    fileBytes: content.fileBytes,
    rowCounts: db.rows,
    warnings: [...warnings, ...content.warnings],
    seconds: (d.clock.now().getTime() - startedAt.getTime()) / 1000,
  };
}

/** Partial archives of killed runs (we hold the lock, so none is being written). */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of await listDir(dir)) {
    if (name.startsWith('.') && name.endsWith('.partial')) await removePath(join(dir, name));
  }
}

function partialPath(dir: string, id: string): string {
  return join(dir, `.${archiveName(id)}.partial`);
}

async function freeId(dir: string, at: Date, tag: string | undefined): Promise<string> {
  const existing = new Set(await listDir(dir));
  const free = candidateIds(at, tag, 120).find(
    (id) =>
      !existing.has(archiveName(id)) && !existing.has(manifestName(id)) && !existing.has(`.${archiveName(id)}.partial`),
  );
  if (free !== undefined) return free;
  throw new MxError('E_BACKUP_FAILED', 'No free backup id in the next two minutes (clock problem?).');
}

/** Counts taken just before the dump: compared (>=) after a restore. */
export async function describeDatabase(pg: Postgres): Promise<DatabaseState> {
  const schema = await pg.schemaVersions();
  if (schema === undefined) {
    throw new MxError(
      'E_BACKUP_FAILED',
      'The database has no Synapse schema (schema_version table missing): nothing to back up.',
      {
        hint: 'Has Synapse ever started against this database? `mxctl status` shows it.',
      },
    );
  }
  const rows = await pg.countRows(KEY_TABLES);
  const messages = Number((await pg.psql("SELECT count(*) FROM events WHERE type = 'm.room.message';")).trim());
  return { rows, messages, schema };
}

export async function synapseVersionOf(d: Pick<Deps, 'synapse'>): Promise<{ version: string; warnings: string[] }> {
  try {
    return { version: await d.synapse.serverVersion(), warnings: [] };
  } catch {
    return { version: 'unknown', warnings: ['Synapse did not answer: its version is recorded as "unknown".'] };
  }
}

/** The archive written to its partial name: pg_dump and the entries streamed through the cipher. */
async function writeArchive(
  plan: ArchivePlan,
  d: BackupDeps,
): Promise<{ content: ArchivedContent; archive: WrittenArchive }> {
  const dump = d.postgres.startDump();
  const meter = archiveMeter(d.progress.meter);
  const entries = returning(archiveEntries(plan, dump, meter, d));
  try {
    const archive = await writeEncryptedFile(partialPath(plan.dir, plan.id), entries.values, {
      cipher: d.cipher,
      producers: [dump],
      onBytes: meter.written,
    });
    return { content: await entries.result, archive };
  } catch (error) {
    throw backupFailure(error, plan.dir);
  }
}

/** Every entry of the archive, in order; returns what the manifest says about them. */
async function* archiveEntries(
  plan: ArchivePlan,
  dump: StreamingProcess,
  meter: ArchiveMeter,
  d: BackupDeps,
): AsyncGenerator<Buffer, ArchivedContent> {
  const mtime = Math.floor(plan.createdAt.getTime() / 1000);
  const root = d.deployment.root;
  yield* memoryEntry(INNER_README, 0o644, mtime, restoreReadme(plan.id));
  d.progress.step('dumping the database (pg_dump -Fc)');
  const dumped = yield* dumpChunkEntries(dump.stdout, { mtime, settle: (s) => settleDump(dump, s) });
  d.progress.step('archiving configuration, keys and media');
  const excluded = [backupDirInside(d.deployment)].filter((x): x is string => x !== undefined);
  const files = await collectFiles(root, (rel) => !isExcluded(rel, excluded));
  // NOTE: the total is known now: what is written so far plus the files (close enough for a bar).
  meter.expect(entriesBytes(files));
  const listed = yield* fileEntries(files, FILES_PREFIX);
  const built = buildManifest({
    id: plan.id,
    createdAt: plan.createdAt,
    mxctlVersion: MXCTL_VERSION,
    serverName: d.deployment.settings.MX_SERVER_NAME,
    synapseVersion: plan.synapseVersion,
    database: plan.db,
    dump: { chunks: dumped.chunks, size: dumped.size, sha256: dumped.sha256 },
    files: listed,
    referencedPaths: referencedPaths(await readTextIfAny(join(root, 'synapse', 'homeserver.yaml'))),
  });
  if (!built.ok) throw new MxError('E_BACKUP_FAILED', built.reason);
  yield* memoryEntry(INNER_MANIFEST, 0o600, mtime, `${JSON.stringify(built.manifest)}\n`);
  yield endOfArchive();
  return { manifest: built.manifest, warnings: built.warnings, fileBytes: files.reduce((n, f) => n + f.size, 0) };
}

/** pg_dump must have succeeded and its output look like a dump before the last chunk is written. */
async function settleDump(dump: StreamingProcess, s: DumpSummary): Promise<void> {
  await dump.done;
  const verdict = judgeDump(s.size, s.head);
  if (!verdict.ok)
    throw new MxError('E_BACKUP_FAILED', `The database dump is not usable: ${verdict.reason}.`, {
      hint: 'Check `mxctl logs postgres`; no backup was written.',
    });
}

/** A backup exists only when its manifest does: the archive is renamed into place (and the folder
 * fsynced) first, the manifest written last; without its manifest the archive is removed. */
async function commitArchive(
  plan: ArchivePlan,
  manifest: Manifest,
  archive: WrittenArchive,
): Promise<{ archive: string; manifest: string }> {
  const finalArchive = join(plan.dir, archiveName(plan.id));
  await moveFile(partialPath(plan.dir, plan.id), finalArchive);
  await fsyncDir(plan.dir);
  const sidecar = sidecarManifest(manifest, {
    name: archiveName(plan.id),
    size: archive.bytes,
    sha256: archive.sha256,
  });
  const manifestPath = join(plan.dir, manifestName(plan.id));
  try {
    await writeFileAtomic(manifestPath, `${JSON.stringify(sidecar, null, 1)}\n`, 0o600);
  } catch (error) {
    // NOTE: an archive without a manifest is not a backup; don't leave one that looks like it.
    await removePath(finalArchive);
    if (isNoSpace(error))
      throw new MxError(
        'E_NO_SPACE',
        `The backup folder ${plan.dir} ran out of space writing the manifest; the archive was removed.`,
      );
    throw error;
  }
  return { archive: finalArchive, manifest: manifestPath };
}

/** The writer failed (the partial archive is gone): what it means for the user. */
function backupFailure(error: unknown, dir: string): MxError {
  const signal = stopSignal();
  if (signal !== undefined) {
    return new MxError(
      'E_ABORTED',
      `Stopped by ${signal} (${(error as Error).message.replace(/\.$/, '')}); the partial archive was removed: no backup was written.`,
      { cause: error },
    );
  }
  if (isNoSpace(error)) {
    return new MxError('E_NO_SPACE', `The backup folder ${dir} ran out of space; the partial archive was removed.`, {
      hint: 'Free space there (or point BACKUP_DIR at a bigger disk), then run the backup again.',
    });
  }
  // pg_dump (E_DATABASE) or gpg (E_CIPHER) failed: the backup failed.
  if (isMxError(error, 'E_DATABASE') || isMxError(error, 'E_CIPHER'))
    return wrapError('E_BACKUP_FAILED', (m) => m, error);
  if (isMxError(error)) return error;
  return new MxError('E_BACKUP_FAILED', `The backup failed: ${(error as Error).message}`, { cause: error });
}

interface ArchiveMeter {
  written: (bytes: number) => void;
  expect: (moreBytes: number) => void;
}

/** The archive's progress: bytes written, against a total known once the files are listed. */
function archiveMeter(meter: Meter): ArchiveMeter {
  let written = 0;
  let total: number | undefined;
  return {
    written: (bytes) => {
      written = bytes;
      meter(bytes, total);
    },
    expect: (moreBytes) => {
      total = written + moreBytes;
    },
  };
}

/** A generator's values as a plain iterable, and its return value once it has run to its end. */
function returning<T, R>(gen: AsyncGenerator<T, R>): { values: AsyncIterable<T>; result: Promise<R> } {
  let settle: (r: R) => void = () => undefined;
  const result = new Promise<R>((resolve) => (settle = resolve));
  async function* values(): AsyncGenerator<T> {
    settle(yield* gen);
  }
  return { values: values(), result };
}
