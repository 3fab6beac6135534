// The local backup catalog: manifests are the source of truth (an archive without its manifest
// is a partial or abandoned run and is never listed as a backup).
import { isAbsolute, join, resolve, basename } from 'node:path';
import { MxError } from '../../core/errors.ts';
import { parseManifest } from '../../core/backup/manifest.ts';
import type { Manifest } from '../../core/backup/manifest.ts';
import {
  archiveName,
  backupTime,
  isBackupId,
  manifestName,
  parseBackupFileName,
  ARCHIVE_SUFFIX,
} from '../../core/backup/naming.ts';
import { listDir, pathExists, readText, readTextIfAny, sizeIfAny } from '../../adapters/fs.ts';
import type { Deployment } from '../deployment.ts';
import { backupDir } from './location.ts';

export interface CatalogEntry {
  id: string;
  createdAt: string;
  archive: string;
  archiveBytes: number;
  /** 'ok' when archive and manifest are both there with matching size; else what's wrong. */
  state: 'ok' | 'archive-missing' | 'size-mismatch' | 'manifest-invalid';
  verifiedAt?: string;
  manifest?: Manifest;
}

export interface Catalog {
  dir: string;
  entries: CatalogEntry[];
  /** Archives without a manifest: partial or interrupted runs, not backups. */
  orphans: string[];
}

/** Where `backup verify` records a successful verification: <id>.verified (a timestamp). */
export function verifiedMarker(dir: string, id: string): string {
  return join(dir, `${id}.verified`);
}

export async function readCatalog(d: Deployment): Promise<Catalog> {
  const dir = backupDir(d);
  const names = await listDir(dir);
  const ids = new Set<string>();
  const archives = new Set<string>();
  for (const n of names) {
    const p = parseBackupFileName(n);
    if (p?.kind === 'manifest') ids.add(p.id);
    if (p?.kind === 'archive') archives.add(p.id);
  }
  const entries: CatalogEntry[] = [];
  for (const id of [...ids].sort()) {
    const archive = join(dir, archiveName(id));
    const createdAt = backupTime(id)?.toISOString() ?? '';
    const parsed = parseManifest(await readText(join(dir, manifestName(id))));
    if (!parsed.ok) {
      entries.push({ id, createdAt, archive, archiveBytes: 0, state: 'manifest-invalid' });
      continue;
    }
    const m = parsed.manifest;
    const size = await sizeIfAny(archive);
    const state = size === undefined ? 'archive-missing' : size !== m.archive?.size ? 'size-mismatch' : 'ok';
    const verifiedAt = (await readTextIfAny(verifiedMarker(dir, id)))?.trim();
    entries.push({
      id,
      createdAt: m.created_at,
      archive,
      archiveBytes: size ?? 0,
      state,
      manifest: m,
      ...(verifiedAt === undefined ? {} : { verifiedAt }),
    });
  }
  return { dir, entries, orphans: [...archives].filter((a) => !ids.has(a)).sort() };
}

export interface ResolvedBackup {
  archive: string;
  id: string;
  sidecar?: Manifest;
}

/** FILE (a path to an archive), ID, or `latest` (the newest listed backup whose archive is intact). */
export async function resolveBackup(d: Deployment, ref: string, cwd = process.cwd()): Promise<ResolvedBackup> {
  const catalog = await readCatalog(d);
  if (ref === 'latest') {
    const newest = catalog.entries.filter((e) => e.state === 'ok').at(-1);
    if (newest === undefined)
      throw new MxError('E_BACKUP_NOT_FOUND', `No complete backup in ${catalog.dir}.`, {
        hint: 'Run `mxctl backup` first, or name an archive file.',
      });
    return {
      archive: newest.archive,
      id: newest.id,
      ...(newest.manifest === undefined ? {} : { sidecar: newest.manifest }),
    };
  }
  if (isBackupId(ref)) {
    const e = catalog.entries.find((x) => x.id === ref);
    if (e === undefined)
      throw new MxError('E_BACKUP_NOT_FOUND', `No backup ${ref} in ${catalog.dir}.`, {
        hint: 'See `mxctl backup list`.',
      });
    if (e.state !== 'ok') throw new MxError('E_BACKUP_CORRUPT', `Backup ${ref} is not usable: ${e.state}.`);
    return { archive: e.archive, id: e.id, ...(e.manifest === undefined ? {} : { sidecar: e.manifest }) };
  }
  const path = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (!(await pathExists(path)))
    throw new MxError('E_BACKUP_NOT_FOUND', `No such backup file or id: ${ref}.`, {
      hint: 'Name an archive (.tar.gpg), a backup id, or `latest`.',
    });
  const name = basename(path);
  const id = name.endsWith(ARCHIVE_SUFFIX) ? name.slice(0, -ARCHIVE_SUFFIX.length) : name;
  // A manifest beside the file (same folder) adds the archive checksum check.
  const beside = join(path, '..', manifestName(id));
  let sidecar: Manifest | undefined;
  if (await pathExists(beside)) {
    const p = parseManifest(await readText(beside));
    if (p.ok) sidecar = p.manifest;
  }
  return { archive: path, id, ...(sidecar === undefined ? {} : { sidecar }) };
}
