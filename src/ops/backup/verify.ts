// mxctl backup verify: decrypt the whole archive, check every sha256 against the manifest, and
// run the dump through `pg_restore -f /dev/null` (which, unlike `pg_restore -l`, reads every
// block and so catches truncation and bit flips). Nothing is written but the .verified marker.
import { dirname } from 'node:path';
import { secondsSince } from '../../core/clock.ts';
import { writeFileAtomic } from '../../adapters/fs.ts';
import type { Deps } from '../deps.ts';
import { resolveBackup, verifiedMarker } from './catalog.ts';
import { backupDir } from './location.ts';
import { readArchiveInto } from './read.ts';

export type VerifyDeps = Pick<Deps, 'deployment' | 'postgres' | 'cipher' | 'clock' | 'progress'>;

export interface VerifyOptions {
  /** A backup id, an archive file, or `latest`. */
  ref: string;
}

export interface VerifyReport {
  id: string;
  archive: string;
  ok: boolean;
  problems: string[];
  files: number;
  databaseBytes: number;
  seconds: number;
}

export async function verifyBackup(o: VerifyOptions, d: VerifyDeps): Promise<VerifyReport> {
  const started = d.clock.now();
  const target = await resolveBackup(d.deployment, o.ref);
  d.progress.step(`verifying ${target.id}`);
  const { read: result, consumerError } = await readArchiveInto(
    target.archive,
    d.postgres.startDumpCheck(),
    target.sidecar === undefined ? {} : { sidecar: target.sidecar },
    d,
  );
  const problems = [...result.problems];
  if (consumerError !== undefined) problems.push(`pg_restore could not read the dump: ${consumerError}`);
  const ok = problems.length === 0;
  const dir = backupDir(d.deployment);
  if (ok && dirname(target.archive) === dir)
    await writeFileAtomic(verifiedMarker(dir, target.id), `${d.clock.now().toISOString()}\n`, 0o600);
  return {
    id: target.id,
    archive: target.archive,
    ok,
    problems,
    files: result.manifest.files.length,
    databaseBytes: result.manifest.database.size,
    seconds: secondsSince(d.clock, started),
  };
}
