// How many bytes the regular files under a folder hold (`du --apparent-size`, without following
// links). A folder that does not exist holds 0.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isSystemError } from './fs.ts';

export async function treeBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isSystemError(error) && error.code === 'ENOENT') return 0;
    throw error;
  }
  let total = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(path);
    else if (e.isFile()) total += (await lstat(path)).size;
  }
  return total;
}
