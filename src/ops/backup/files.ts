// Which deployment files go into a backup: everything under the deployment folder except the
// backups themselves, restore staging, and Synapse's re-fetchable caches (remote media, URL
// previews). homeserver.yaml's referenced files are checked against that list.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface SourceFile {
  /** Relative to the deployment, with / separators. */
  rel: string;
  abs: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname?: string;
}

/** media_store entries that are caches (synapse-ops-facts §1): re-fetched on demand, never backed up. */
const MEDIA_CACHES = new Set(['remote_content', 'remote_thumbnail', 'remote_thumbnails', 'url_cache', 'url_cache_thumbnails']);

export function isExcluded(rel: string, excludedDirs: readonly string[]): boolean {
  if (excludedDirs.some((d) => rel === d || rel.startsWith(`${d}/`))) return true;
  const top = rel.split('/')[0] ?? '';
  if (top.startsWith('.restore-') || top === '.mxctl-backup.lock') return true;
  if (rel === 'synapse/homeserver.pid') return true;
  const m = /^synapse\/media_store\/([^/]+)/.exec(rel);
  return m !== null && MEDIA_CACHES.has(m[1] ?? '');
}

/** Every file to back up, depth first in name order (so archives list the same way each run). */
export async function collectFiles(root: string, excludedDirs: readonly string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  async function walk(dir: string): Promise<void> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      if (isExcluded(rel, excludedDirs)) continue;
      const s = await lstat(abs);
      const base = { rel, abs, size: 0, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: Math.floor(s.mtimeMs / 1000) };
      if (s.isSymbolicLink()) out.push({ ...base, type: 'symlink', linkname: await readlink(abs) });
      else if (s.isDirectory()) {
        out.push({ ...base, type: 'directory' });
        await walk(abs);
      } else if (s.isFile()) out.push({ ...base, type: 'file', size: s.size });
      // sockets, fifos and devices are not deployment data
    }
  }
  await walk(root);
  return out;
}

/** Paths homeserver.yaml names (container paths), by its *_path keys, log_config and appservice files. */
export async function referencedPaths(homeserverYaml: string): Promise<string[]> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(homeserverYaml, 'utf8'));
  } catch {
    return [];
  }
  const found = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if ((key.endsWith('_path') || key === 'log_config' || key === 'app_service_config_files') && value.startsWith('/')) found.add(value);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(doc, '');
  found.delete('/data/homeserver.pid');
  return [...found].sort();
}

/** Where a container path from homeserver.yaml lives in the deployment (synapse/ is mounted at /data). */
export function hostPathOf(containerPath: string): string | undefined {
  if (containerPath === '/data') return 'synapse';
  return containerPath.startsWith('/data/') ? `synapse/${containerPath.slice('/data/'.length)}` : undefined;
}
