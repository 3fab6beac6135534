// Reading a repository-mode backup back, for restore: the dump streamed from `restic dump` into
// psql filling the side database, the files restored by `restic restore` into staging, and every
// sha256 checked against the backup's manifest, as an archive's read is. restic authenticates
// every blob it reads (a damaged pack fails the command: E_REPOSITORY_CORRUPT), and nothing read
// is trusted until this returns.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMxError } from '../../core/errors.ts';
import { DUMP_FILENAME } from '../../core/backup/repository.ts';
import type { RepositoryBackup } from '../../core/backup/repository.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import type { Owner } from '../../adapters/archive/staging.ts';
import type { Restic } from '../../adapters/restic.ts';
import { hashTap } from '../../adapters/hash-tap.ts';
import type { Deps } from '../deps.ts';
import type { ReadResult } from './read.ts';
import { sha256Of } from './repository-create.ts';

export interface RepositorySource {
  restic: Restic;
  backup: RepositoryBackup;
  manifest: Manifest;
}

export async function readRepositoryInto(
  src: RepositorySource,
  db: string,
  stagingDir: string,
  d: Pick<Deps, 'postgres' | 'progress'>,
): Promise<{ read: ReadResult; consumerError?: string }> {
  const problems: string[] = [];
  const loaded = await loadDump(src, db, d);
  const m = src.manifest;
  if (loaded.size !== m.database.size || loaded.sha256 !== m.database.sha256)
    problems.push(
      `the database dump differs from the manifest (${loaded.size} bytes, sha256 ${loaded.sha256.slice(0, 12)}…)`,
    );
  d.progress.step('restoring configuration, signing key and media from the repository into staging');
  const staged = join(stagingDir, 'deployment');
  await src.restic.restore(src.backup.snapshots.files, staged);
  const owners = new Map<string, Owner>();
  for (const f of m.files) {
    const s = await lstat(join(staged, f.path)).catch(() => undefined);
    if (s === undefined) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    owners.set(f.path, { uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 });
    if (f.type === 'file' && f.sha256 !== undefined && (await sha256Of(join(staged, f.path))) !== f.sha256)
      problems.push(`${f.path}: sha256 differs from the manifest`);
  }
  const read: ReadResult = { manifest: m, archiveBytes: 0, problems, owners, reused: { files: 0, bytes: 0 } };
  return loaded.consumerError === undefined ? { read } : { read, consumerError: loaded.consumerError };
}

/** `restic dump` of the SQL script into psql loading `db`, hashed on the way. */
async function loadDump(
  src: RepositorySource,
  db: string,
  d: Pick<Deps, 'postgres' | 'progress'>,
): Promise<{ size: number; sha256: string; consumerError?: string }> {
  d.progress.step(`loading the database from the repository into ${db}`);
  const tap = hashTap((size) => d.progress.meter(size, src.manifest.database.size));
  const dump = src.restic.dump(src.backup.snapshots.database, `/${DUMP_FILENAME}`);
  const load = d.postgres.startSqlLoad(db);
  let consumerError: string | undefined;
  const loadDone = load.done.catch((e: unknown) => {
    consumerError = (isMxError(e) ? e.detail : undefined) ?? (e as Error).message;
  });
  dump.stdout.on('error', () => undefined);
  dump.stdout.pipe(tap.stream).pipe(load.stdin);
  try {
    await dump.done;
  } catch (error) {
    load.kill();
    await loadDone;
    throw error;
  }
  await loadDone;
  const size = tap.bytes();
  const sha256 = tap.sha256();
  return consumerError === undefined ? { size, sha256 } : { size, sha256, consumerError };
}
