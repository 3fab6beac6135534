// Walking the deployment folder for a backup: every file, directory and symlink that `include`
// keeps (core/backup/file-selection.ts decides), with what its tar header needs.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

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

/** Every file under `root` that `include` keeps, depth first in name order (so archives list the same way each run). */
export async function collectFiles(root: string, include: (rel: string) => boolean): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  async function walk(dir: string): Promise<void> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      if (!include(rel)) continue;
      const s = await lstat(abs);
      const base = {
        rel,
        abs,
        size: 0,
        mode: s.mode & 0o7777,
        uid: s.uid,
        gid: s.gid,
        mtime: Math.floor(s.mtimeMs / 1000),
      };
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
