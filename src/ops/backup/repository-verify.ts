// mxctl backup verify in repository mode: `restic check` (with a fresh cache, restic's default),
// in one of three tiers — structure only, a subset of the data packs read back (the daily run),
// or every pack read back (--read-data) — then the chosen backup's dump read back through restic
// and its sha256 compared with its manifest. A good result is recorded for prune.
import { secondsSince } from '../../core/clock.ts';
import { MxError } from '../../core/errors.ts';
import { createHash } from 'node:crypto';
import { DUMP_FILENAME } from '../../core/backup/repository.ts';
import type { Deps } from '../deps.ts';
import {
  findRepositoryBackup,
  markVerified,
  openRepository,
  readManifestOf,
  readRepositoryCatalog,
} from './repository-catalog.ts';

export type RepositoryVerifyDeps = Pick<Deps, 'deployment' | 'restic' | 'clock' | 'progress'>;

export interface RepositoryVerifyOptions {
  ref: string;
  /** undefined: structure only; 'all': every pack; else a subset restic understands ('5%', '1/7'). */
  readData?: string;
}

export interface RepositoryVerifyReport {
  id: string;
  archive: string;
  ok: boolean;
  problems: string[];
  check: { tier: string; output: string };
  files: number;
  databaseBytes: number;
  seconds: number;
}

export async function verifyRepositoryBackup(
  o: RepositoryVerifyOptions,
  d: RepositoryVerifyDeps,
): Promise<RepositoryVerifyReport> {
  const started = d.clock.now();
  await openRepository(d.restic, { create: false });
  const b = findRepositoryBackup(await readRepositoryCatalog(d.deployment, d.restic), o.ref);
  if (b === undefined)
    throw new MxError('E_BACKUP_NOT_FOUND', `No backup ${o.ref} in the repository ${d.restic.description}.`, {
      hint: 'See `mxctl backup list`.',
    });
  const tier =
    o.readData === undefined ? 'structure' : o.readData === 'all' ? 'read-data' : `read-data-subset ${o.readData}`;
  d.progress.step(`restic check (${tier})`);
  const check = await d.restic.check(o.readData);
  const problems = check.ok ? [] : [`restic check found errors: ${check.output.split('\n').slice(-3).join(' / ')}`];
  const manifest = await readManifestOf(d.restic, b);
  if (check.ok) {
    d.progress.step(`reading the database dump of ${b.id} back`);
    const hash = createHash('sha256');
    let size = 0;
    const dump = d.restic.dump(b.snapshots.database, `/${DUMP_FILENAME}`);
    for await (const c of dump.stdout) {
      hash.update(c as Buffer);
      size += (c as Buffer).length;
      d.progress.meter(size, manifest.database.size);
    }
    await dump.done;
    if (size !== manifest.database.size || hash.digest('hex') !== manifest.database.sha256)
      problems.push('the database dump read back differs from its manifest');
  }
  const ok = problems.length === 0;
  if (ok) await markVerified(d.deployment, b.id, d.clock.now());
  return {
    id: b.id,
    archive: d.restic.description,
    ok,
    problems,
    check: { tier, output: check.output },
    files: manifest.files.length,
    databaseBytes: manifest.database.size,
    seconds: secondsSince(d.clock, started),
  };
}
