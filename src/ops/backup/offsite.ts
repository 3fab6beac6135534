// The offsite copy: after each local backup, every complete local backup whose manifest is not
// in the bucket yet is uploaded, archive first (verified), manifest last. So a failed upload
// keeps the local archive, and the next run uploads whatever is missing.
import { join, resolve } from 'node:path';
import { archiveName, manifestName } from '../../core/backup/naming.ts';
import type { OffsiteSettings } from '../../core/backup/recreate-settings.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import type { Deployment } from '../deployment.ts';
import type { Deps } from '../deps.ts';
import { verifyBackup } from './verify.ts';
import type { VerifyDeps, VerifyReport } from './verify.ts';
import { readCatalog } from './catalog.ts';
import { ensureBackupDir } from './location.ts';
import { MxError } from '../../core/errors.ts';
import { fileMode, fsyncDir, makeTempDir, pathExists, readBytes, removePath } from '../../adapters/fs.ts';
import { createRcloneStore } from '../../adapters/rclone-store.ts';
import { sweepOwnedScratch } from '../../adapters/lock.ts';

async function rcloneStore(s: OffsiteSettings, root: string): Promise<ObjectStore> {
  const file = s.RCLONE_CONFIG;
  if (file === '') return createRcloneStore({ remote: s.RCLONE_REMOTE });
  const config = resolve(root, file);
  if (!(await pathExists(config)))
    throw new MxError('E_CONFIG_INVALID', `RCLONE_CONFIG: ${config} does not exist.`, {
      hint: 'Point RCLONE_CONFIG at the rclone.conf that defines the remote in RCLONE_REMOTE.',
    });
  // NOTE: rclone.conf holds the remote's credentials: like .env, nobody but the owner may read it.
  const mode = (await fileMode(config)) & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new MxError(
      'E_CONFIG_INVALID',
      `RCLONE_CONFIG: ${config} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); it holds the remote's credentials.`,
      { hint: `chmod 600 ${config}` },
    );
  }
  return createRcloneStore({ remote: s.RCLONE_REMOTE, config });
}

/** Where the offsite copy goes, in words for messages ("S3_BUCKET or RCLONE_REMOTE"). */
export const OFFSITE_SETTINGS = 'S3_BUCKET (with the S3_* settings) or RCLONE_REMOTE';

export function offsiteStore(d: Deployment): Promise<ObjectStore | undefined> {
  return offsiteStoreOf(d.settings, d.root);
}

/** The target the offsite settings name (RCLONE_CONFIG relative to `root`), or undefined for none. */
export async function offsiteStoreOf(s: OffsiteSettings, root: string): Promise<ObjectStore | undefined> {
  if (s.RCLONE_REMOTE !== '') return rcloneStore(s, root);
  if (s.S3_BUCKET === '') return undefined;
  // NOTE: loaded only when configured: the AWS SDK adds tens of MiB to every backup's memory.
  const { createS3Store } = await import('../../adapters/s3-store.ts');
  return createS3Store({
    endpoint: s.S3_ENDPOINT,
    region: s.S3_REGION,
    bucket: s.S3_BUCKET,
    prefix: s.S3_PREFIX,
    accessKeyId: s.S3_ACCESS_KEY_ID,
    secretAccessKey: s.S3_SECRET_ACCESS_KEY,
  });
}

/** An operation on the offsite copies: the configured target is required. */
export type OffsiteDeps = Pick<Deps, 'deployment' | 'progress'> & { offsite: ObjectStore };

export interface OffsiteReport {
  target: string;
  uploaded: string[];
  alreadyOffsite: number;
}

export async function syncOffsite(_o: Record<string, never>, d: OffsiteDeps): Promise<OffsiteReport> {
  const store = d.offsite;
  const catalog = await readCatalog(d.deployment);
  const remote = new Set((await store.list()).map((o) => o.key));
  const uploaded: string[] = [];
  let already = 0;
  for (const e of catalog.entries) {
    if (e.state !== 'ok') continue;
    if (remote.has(manifestName(e.id))) {
      already++;
      continue;
    }
    d.progress.step(`uploading ${e.id} to ${store.description}`);
    await store.putFile(archiveName(e.id), e.archive);
    await store.putBytes(manifestName(e.id), await readBytes(join(catalog.dir, manifestName(e.id))));
    uploaded.push(e.id);
  }
  return { target: store.description, uploaded, alreadyOffsite: already };
}

/** Ids whose manifest is in the bucket (a listing failure is reported, not hidden). */
export async function offsiteIds(store: ObjectStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const o of await store.list())
    if (o.key.endsWith('.manifest.json')) ids.add(o.key.slice(0, -'.manifest.json'.length));
  return ids;
}

/**
 * Brings one offsite backup into the local folder (archive first, manifest last, like a local
 * run) so `restore` can check and use it. `latest` = the newest manifest in the bucket.
 */
export async function resolveOffsite(store: ObjectStore, ref: string): Promise<string> {
  const ids = [...(await offsiteIds(store))].sort();
  const id = ref === 'latest' ? ids.at(-1) : ids.find((x) => x === ref);
  if (id === undefined) {
    throw new MxError(
      'E_BACKUP_NOT_FOUND',
      ref === 'latest' ? `No backup in ${store.description}.` : `No backup ${ref} in ${store.description}.`,
      { hint: '`mxctl backup list` shows what is offsite.' },
    );
  }
  return id;
}

export async function fetchOffsite(o: { ref: string }, d: OffsiteDeps): Promise<string> {
  return downloadOffsite(d.offsite, o.ref, await ensureBackupDir(d.deployment), d.progress.step);
}

/** One offsite backup (an id or latest) into `dir`, archive first, manifest last; returns its id. */
export async function downloadOffsite(
  store: ObjectStore,
  ref: string,
  dir: string,
  step: (line: string) => void,
): Promise<string> {
  const id = await resolveOffsite(store, ref);
  step(`downloading ${id} from ${store.description}`);
  await store.getFile(archiveName(id), join(dir, archiveName(id)));
  await store.getFile(manifestName(id), join(dir, manifestName(id)));
  await fsyncDir(dir);
  return id;
}

/**
 * `backup verify --offsite`: downloads one offsite backup into a private temp folder inside the
 * backup folder (its filesystem is sized for archives), verifies it exactly as a local one, and
 * removes the download whatever the outcome. The local .verified marker is not touched.
 */
export async function verifyOffsite(
  o: { ref: string },
  d: VerifyDeps & { offsite: ObjectStore },
): Promise<VerifyReport> {
  const store = d.offsite;
  const id = await resolveOffsite(store, o.ref);
  // NOTE: named by our pid, so the next run removes what a killed one left (a whole archive).
  const tmp = await makeTempDir(await sweepOwnedScratch(await ensureBackupDir(d.deployment), '.verify-offsite-'));
  try {
    d.progress.step(`downloading ${id} from ${store.description}`);
    await store.getFile(archiveName(id), join(tmp, archiveName(id)));
    await store.getFile(manifestName(id), join(tmp, manifestName(id)));
    const r = await verifyBackup({ ref: join(tmp, archiveName(id)) }, d);
    return { ...r, archive: `${store.description} ${archiveName(id)}` };
  } finally {
    await removePath(tmp);
  }
}
