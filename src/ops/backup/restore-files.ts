// Putting a verified staging copy of the deployment files in place. Everything is moved with
// rename (staging lives inside the deployment, so on the same filesystem); what it replaces is
// moved into staging/replaced/ and discarded only after the restore finished.
import { lstat, mkdir, readFile, readdir, rename, rm, chmod, lchown } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseEnvFile } from '../../core/env-file.ts';
import { formatSettings, parseSettings } from '../../core/settings.ts';
import type { Settings } from '../../core/settings.ts';
import { writeFileAtomic, pathExists } from '../../adapters/fs.ts';

/** Trees and files a restore puts back. Certificates are re-issued by `mxctl up`; backups/ and
 * lab/override files stay as they are on this machine. */
const RESTORED_ROOTS = ['synapse', 'nginx', 'element', 'state', 'compose/docker-compose.yml'];
/** Replaced as a whole (files absent from the backup must not survive). */
export const WHOLE_DIRS = ['synapse/media_store/local_content', 'synapse/media_store/local_thumbnails'];

/** Settings that belong to the backed-up server (names, DB identity, secrets its config holds). */
const SETTINGS_FROM_BACKUP = [
  'MX_SERVER_NAME',
  'MX_MATRIX_HOST',
  'MX_ELEMENT_HOST',
  'POSTGRES_PASSWORD',
  'REGISTRATION_SHARED_SECRET',
  'MACAROON_SECRET_KEY',
  'FORM_SECRET',
  'MAX_UPLOAD_SIZE',
] as const satisfies readonly (keyof Settings)[];

export async function readArchivedSettings(staging: string): Promise<Settings | undefined> {
  let text: string;
  try {
    text = await readFile(join(staging, 'deployment', '.env'), 'utf8');
  } catch {
    return undefined;
  }
  const r = parseSettings(parseEnvFile(text).values);
  return r.ok ? r.settings : undefined;
}

/** The .env after a restore: this machine's placement (project name, addresses, image pins,
 * backup passphrase) with the backed-up server's identity and secrets. */
export function mergeSettings(current: Settings, archived: Settings): Settings {
  const next: Settings = { ...current };
  for (const key of SETTINGS_FROM_BACKUP) (next as Record<string, unknown>)[key] = archived[key];
  return next;
}

async function applyOwner(path: string, owner: { uid: number; gid: number; mode: number } | undefined): Promise<void> {
  if (owner === undefined) return;
  if (process.getuid?.() === 0) await lchown(path, owner.uid, owner.gid).catch(() => undefined);
  await chmod(path, owner.mode & 0o7777).catch(() => undefined);
}

async function moveIn(from: string, to: string, replaced: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  if (await pathExists(to).catch(() => false)) {
    const s = await lstat(to);
    if (s.isDirectory() && !(await lstat(from)).isDirectory()) {
      await mkdir(dirname(replaced), { recursive: true });
      await rename(to, replaced);
    }
  }
  await rename(from, to);
}

async function walk(dir: string, rel: string, visit: (rel: string, isDir: boolean) => Promise<boolean>): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const s = await lstat(join(dir, name));
    const descend = await visit(r, s.isDirectory());
    if (s.isDirectory() && descend) await walk(join(dir, name), r, visit);
  }
}

export async function restoreFiles(staging: string, root: string, owners: ReadonlyMap<string, { uid: number; gid: number; mode: number }>): Promise<string[]> {
  const src = join(staging, 'deployment');
  const replaced = join(staging, 'replaced');
  const restored: string[] = [];
  for (const dir of WHOLE_DIRS) {
    const target = join(root, dir);
    if (await pathExists(target)) {
      await mkdir(dirname(join(replaced, dir)), { recursive: true });
      await rename(target, join(replaced, dir));
    }
    if (await pathExists(join(src, dir))) {
      await mkdir(dirname(target), { recursive: true });
      await rename(join(src, dir), target);
      restored.push(dir);
    }
  }
  const dirsToFix: string[] = [];
  await walk(src, '', async (rel, isDir) => {
    const wanted = RESTORED_ROOTS.some((r) => rel === r || rel.startsWith(`${r}/`) || r.startsWith(`${rel}/`));
    if (!wanted) return false;
    if (isDir) {
      await mkdir(join(root, rel), { recursive: true });
      if (RESTORED_ROOTS.some((r) => rel === r || rel.startsWith(`${r}/`))) dirsToFix.push(rel);
      return true;
    }
    await moveIn(join(src, rel), join(root, rel), join(replaced, rel));
    restored.push(rel);
    return false;
  });
  for (const rel of dirsToFix) await applyOwner(join(root, rel), owners.get(rel));
  return restored;
}

export async function writeMergedSettings(root: string, merged: Settings, current: Settings): Promise<boolean> {
  if (formatSettings(merged) === formatSettings(current)) return false;
  await writeFileAtomic(join(root, '.env'), formatSettings(merged), 0o600);
  return true;
}

/** Removes what `restoreFiles` moved aside; never fails (the staging folder goes later anyway). */
export async function discardReplaced(staging: string): Promise<void> {
  await rm(join(staging, 'replaced'), { recursive: true, force: true }).catch(() => undefined);
}

export async function removeStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
