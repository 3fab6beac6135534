// Repository mode's catalog: the complete backups in the restic repository (a manifest snapshot
// and the two it describes: core/backup/repository.ts), their manifests, and which were verified.
import { join } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { completeBackups, MANIFEST_FILENAME } from '../../core/backup/repository.ts';
import type { RepositoryBackup } from '../../core/backup/repository.ts';
import { parseManifest } from '../../core/backup/manifest.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import { readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import type { Restic } from '../../adapters/restic.ts';
import type { Deployment } from '../deployment.ts';
import { ensureBackupDir } from './location.ts';

export interface RepositoryCatalog {
  repository: string;
  backups: (RepositoryBackup & { verifiedAt?: string })[];
  /** Runs cut short (no manifest snapshot): never listed as backups, removed by prune. */
  incomplete: string[];
}

/**
 * The repository, ready: created on a backup's first run (`create`), else it must be there.
 * Locks of restic processes that are gone (a run killed with -9) are cleared; a live one
 * (another machine, a restic still running) refuses the run.
 */
export async function openRepository(r: Restic, o: { create: boolean }): Promise<void> {
  if (!(await r.exists())) {
    if (!o.create)
      throw new MxError('E_REPOSITORY_MISSING', `There is no restic repository at ${r.description}.`, {
        hint: 'Check RESTIC_REPOSITORY in .env; `mxctl backup` in repository mode creates it.',
      });
    await r.init();
  }
  const { live } = await r.clearStaleLocks();
  if (live.length > 0) {
    const l = live[0];
    throw new MxError(
      'E_REPOSITORY_LOCKED',
      `The repository ${r.description} is in use by restic (pid ${l?.pid ?? '?'} on ${l?.hostname ?? '?'}, since ${l?.time ?? '?'}).`,
      { hint: 'Wait for it to end; a lock of a process that is gone is cleared by the next run on its host.' },
    );
  }
}

function verifiedPath(dir: string): string {
  return join(dir, '.restic-verified.json');
}

async function readVerified(d: Deployment): Promise<Record<string, string>> {
  const text = await readTextIfAny(verifiedPath(await ensureBackupDir(d)));
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Records that `backup verify` found backup `id` intact (prune never forgets the newest such). */
export async function markVerified(d: Deployment, id: string, at: Date): Promise<void> {
  const all = { ...(await readVerified(d)), [id]: at.toISOString() };
  await writeFileAtomic(verifiedPath(await ensureBackupDir(d)), `${JSON.stringify(all, null, 1)}\n`, 0o600);
}

export async function readRepositoryCatalog(d: Deployment, r: Restic): Promise<RepositoryCatalog> {
  const { backups, incomplete } = completeBackups(await r.snapshots());
  const verified = await readVerified(d);
  return {
    repository: r.description,
    backups: backups.map((b) => {
      const at = verified[b.id];
      return at === undefined ? b : { ...b, verifiedAt: at };
    }),
    incomplete,
  };
}

export async function readManifestOf(r: Restic, b: RepositoryBackup): Promise<Manifest> {
  const stream = r.dump(b.snapshots.manifest, `/${MANIFEST_FILENAME}`);
  const chunks: Buffer[] = [];
  for await (const c of stream.stdout) chunks.push(c as Buffer);
  await stream.done;
  const parsed = parseManifest(Buffer.concat(chunks).toString('utf8'));
  if (!parsed.ok)
    throw new MxError(
      'E_BACKUP_CORRUPT',
      `Backup ${b.id}: its manifest in the repository is invalid: ${parsed.error}.`,
    );
  return parsed.manifest;
}

/** An id or `latest` among the repository's complete backups. */
export function findRepositoryBackup(c: RepositoryCatalog, ref: string): RepositoryBackup | undefined {
  return ref === 'latest' ? c.backups.at(-1) : c.backups.find((b) => b.id === ref);
}
