// mxctl backup in repository mode (BACKUP_MODE=repository): one backup = three restic snapshots
// tagged with its id (core/backup/repository.ts says why three, and why the manifest is last):
//   pg_dump -Fp ──► sha256, plausibility ──► restic backup --stdin (synapse.sql)
//   deployment folder (config, signing key, media) ──► restic backup .
//   manifest.json (today's manifest) ──► restic backup --stdin, LAST
// A plain-SQL dump, not -Fc: compression makes a custom-format dump change wholesale when one
// row does; as text, restic's content-defined chunks of the unchanged tables are stored once.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { MxError, isMxError, wrapError } from '../../core/errors.ts';
import { buildManifest } from '../../core/backup/build-manifest.ts';
import type { Manifest, ManifestFile } from '../../core/backup/manifest.ts';
import { excludePatterns, isExcluded, referencedPaths } from '../../core/backup/file-selection.ts';
import { candidateIds } from '../../core/backup/naming.ts';
import { DUMP_FILENAME, MANIFEST_FILENAME, judgePlainDump, tagsOf } from '../../core/backup/repository.ts';
import { MXCTL_VERSION } from '../../core/version.ts';
import { readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import { collectFiles } from '../../adapters/archive/source-files.ts';
import type { SourceFile } from '../../adapters/archive/source-files.ts';
import type { BackupSummary } from '../../adapters/restic.ts';
import { stopSignal } from '../../adapters/interrupt.ts';
import type { Deps } from '../deps.ts';
import { describeDatabase, synapseVersionOf } from './create.ts';
import type { BackupOptions, BackupReport } from './create.ts';
import { backupDirInside, ensureBackupDir } from './location.ts';
import { openRepository, readRepositoryCatalog } from './repository-catalog.ts';

export type RepositoryBackupDeps = Pick<Deps, 'deployment' | 'postgres' | 'synapse' | 'restic' | 'clock' | 'progress'>;

interface DumpFacts {
  size: number;
  sha256: string;
  head: string;
  tail: string;
}

/** Writes one backup into the repository; the caller holds the backup folder's lock. */
export async function createRepositoryBackupLocked(o: BackupOptions, d: RepositoryBackupDeps): Promise<BackupReport> {
  const startedAt = d.clock.now();
  d.progress.step(`opening the repository ${d.restic.description}`);
  await openRepository(d.restic, { create: true });
  const catalog = await readRepositoryCatalog(d.deployment, d.restic);
  const taken = new Set([...catalog.backups.map((b) => b.id), ...catalog.incomplete]);
  const id = candidateIds(startedAt, o.tag, 120).find((x) => !taken.has(x));
  if (id === undefined)
    throw new MxError('E_BACKUP_FAILED', 'No free backup id in the next two minutes (clock problem?).');
  d.progress.step('reading the database state');
  const db = await describeDatabase(d.postgres);
  const { version: synapseVersion, warnings } = await synapseVersionOf(d);
  try {
    const dumped = await backupDatabase(id, d);
    const files = await backupFiles(id, d);
    const built = buildManifest({
      id,
      createdAt: startedAt,
      mxctlVersion: MXCTL_VERSION,
      serverName: d.deployment.settings.MX_SERVER_NAME,
      synapseVersion,
      database: db,
      dump: { chunks: [DUMP_FILENAME], size: dumped.facts.size, sha256: dumped.facts.sha256 },
      files: files.listed,
      referencedPaths: referencedPaths(await readTextIfAny(join(d.deployment.root, 'synapse', 'homeserver.yaml'))),
    });
    if (!built.ok) throw new MxError('E_BACKUP_FAILED', built.reason);
    const manifest = await writeManifest(id, built.manifest, d);
    d.progress.step(`backup ${id} written`);
    const added = dumped.summary.data_added + files.summary.data_added + manifest.data_added;
    return {
      id,
      archive: d.restic.description,
      manifest: manifest.snapshot_id,
      archiveBytes: added,
      databaseBytes: dumped.facts.size,
      files: built.manifest.files.length,
      fileBytes: files.listed.reduce((n, f) => n + f.size, 0),
      rowCounts: db.rows,
      warnings: [...warnings, ...built.warnings],
      seconds: (d.clock.now().getTime() - startedAt.getTime()) / 1000,
      repository: { location: d.restic.description, addedBytes: added },
    };
  } catch (error) {
    throw repositoryFailure(error, d.restic.description);
  }
}

/** pg_dump -Fp into `restic backup --stdin`, hashed on the way; a dump that failed or looks cut short fails the run. */
async function backupDatabase(
  id: string,
  d: RepositoryBackupDeps,
): Promise<{ summary: BackupSummary; facts: DumpFacts }> {
  d.progress.step('dumping the database (pg_dump, plain SQL) into the repository');
  const dump = d.postgres.startPlainDump();
  const facts: DumpFacts = { size: 0, sha256: '', head: '', tail: '' };
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, next) {
      hash.update(chunk);
      facts.size += chunk.length;
      if (facts.head.length < 64) facts.head += chunk.subarray(0, 64).toString('latin1');
      facts.tail = (facts.tail + chunk.subarray(-256).toString('latin1')).slice(-256);
      next(null, chunk);
    },
  });
  dump.stdout.pipe(tap);
  let summary: BackupSummary;
  try {
    summary = await d.restic.backupStdin(tap, DUMP_FILENAME, {
      tags: tagsOf(id, 'database'),
      onProgress: (done) => d.progress.meter(done, undefined),
    });
  } catch (error) {
    dump.kill();
    await dump.done.catch(() => undefined);
    throw error;
  }
  // NOTE: restic stored whatever arrived; pg_dump's own exit and the script's last line decide
  // whether it is a dump. A snapshot of a failed one stays without a manifest: never a backup.
  await dump.done;
  facts.sha256 = hash.digest('hex');
  const verdict = judgePlainDump(facts.size, facts.head, facts.tail);
  if (!verdict.ok)
    throw new MxError('E_BACKUP_FAILED', `The database dump is not usable: ${verdict.reason}.`, {
      hint: 'Check `mxctl logs postgres`; no backup was written.',
    });
  return { summary, facts };
}

async function backupFiles(
  id: string,
  d: RepositoryBackupDeps,
): Promise<{ summary: BackupSummary; listed: ManifestFile[] }> {
  d.progress.step('hashing configuration, keys and media for the manifest');
  const root = d.deployment.root;
  const excluded = [backupDirInside(d.deployment)].filter((x): x is string => x !== undefined);
  const files = await collectFiles(root, (rel) => !isExcluded(rel, excluded));
  const listed = await listWithHashes(files, join(await ensureBackupDir(d.deployment), '.restic-hashes.json'));
  d.progress.step('storing configuration, keys and media in the repository');
  const summary = await d.restic.backupFolder(root, excludePatterns(root, excluded), {
    tags: tagsOf(id, 'files'),
    onProgress: (done, total) => d.progress.meter(done, total),
  });
  return { summary, listed };
}

/**
 * The manifest's view of the files: what archive mode records, each file's sha256 included.
 * NOTE: a file whose size, mtime, ctime and inode are those of the last run keeps that run's
 * sha256 (hashes.json beside the repository's lock, 0600): restic skips the same unchanged files
 * by the same rule, so hash and stored content agree, and a daily run reads only what changed.
 */
async function listWithHashes(files: readonly SourceFile[], cachePath: string): Promise<ManifestFile[]> {
  const cache = await readHashCache(cachePath);
  const next: Record<string, string> = {};
  const out: ManifestFile[] = [];
  for (const f of files) {
    let sha256: string | undefined;
    if (f.type === 'file') {
      const s = await lstat(f.abs);
      const key = `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
      sha256 =
        cache[f.rel]?.startsWith(`${key}=`) === true ? cache[f.rel]?.slice(key.length + 1) : await sha256Of(f.abs);
      next[f.rel] = `${key}=${sha256 ?? ''}`;
    }
    out.push({
      path: f.rel,
      type: f.type,
      size: f.size,
      mode: f.mode,
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(f.linkname === undefined ? {} : { linkname: f.linkname }),
    });
  }
  await writeFileAtomic(cachePath, JSON.stringify(next), 0o600);
  return out;
}

async function readHashCache(path: string): Promise<Record<string, string>> {
  const text = await readTextIfAny(path);
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return {};
  }
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function writeManifest(id: string, m: Manifest, d: RepositoryBackupDeps): Promise<BackupSummary> {
  d.progress.step('writing the manifest (last)');
  return d.restic.backupStdin(Readable.from([`${JSON.stringify(m)}\n`]), MANIFEST_FILENAME, {
    tags: tagsOf(id, 'manifest'),
  });
}

function repositoryFailure(error: unknown, where: string): MxError {
  const signal = stopSignal();
  if (signal !== undefined)
    return new MxError(
      'E_ABORTED',
      `Stopped by ${signal}: no backup was written (a run without its manifest is never listed).`,
      {
        cause: error,
      },
    );
  if (isMxError(error, 'E_DATABASE')) return wrapError('E_BACKUP_FAILED', (m) => m, error);
  if (isMxError(error)) return error;
  return new MxError('E_BACKUP_FAILED', `The backup into ${where} failed: ${(error as Error).message}`, {
    cause: error,
  });
}
