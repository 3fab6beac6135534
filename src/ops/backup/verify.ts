// mxctl backup verify: decrypt the whole archive, check every sha256 against the manifest, and
// run the dump through `pg_restore -f /dev/null` (which, unlike `pg_restore -l`, reads every
// block and so catches truncation and bit flips). Nothing is written but the .verified marker.
import { writeFileAtomic } from '../../adapters/fs.ts';
import { execStreaming } from '../../adapters/postgres.ts';
import type { Meter } from '../../core/progress.ts';
import type { StackContext } from '../context.ts';
import { resolveBackup, verifiedMarker } from './catalog.ts';
import { backupDir } from './location.ts';
import { readArchiveInto } from './read.ts';
import { dirname } from 'node:path';

export interface VerifyReport {
  id: string;
  archive: string;
  ok: boolean;
  problems: string[];
  files: number;
  databaseBytes: number;
  seconds: number;
}

export async function verifyBackup(ctx: StackContext, ref: string, o: { progress?: (l: string) => void; meter?: Meter } = {}): Promise<VerifyReport> {
  const started = Date.now();
  const target = await resolveBackup(ctx.deployment, ref);
  o.progress?.(`verifying ${target.id}`);
  const pgRestore = execStreaming(ctx.deployment.composeDir, ['pg_restore', '-f', '/dev/null'], 'reading the dump back (pg_restore -f /dev/null)');
  const { read: result, consumerError } = await readArchiveInto(target.archive, pgRestore, {
    passphrase: ctx.deployment.settings.BACKUP_PASSPHRASE,
    ...(o.meter === undefined ? {} : { meter: o.meter }),
    ...(target.sidecar === undefined ? {} : { sidecar: target.sidecar }),
  });
  const problems = [...result.problems];
  if (consumerError !== undefined) problems.push(`pg_restore could not read the dump: ${consumerError}`);
  const ok = problems.length === 0;
  if (ok && dirname(target.archive) === backupDir(ctx.deployment)) {
    await writeFileAtomic(verifiedMarker(backupDir(ctx.deployment), target.id), `${new Date().toISOString()}\n`, 0o600);
  }
  return { id: target.id, archive: target.archive, ok, problems, files: result.manifest.files.length, databaseBytes: result.manifest.database.size, seconds: (Date.now() - started) / 1000 };
}
