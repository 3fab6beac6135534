// The restore's staging folder (inside the deployment, so on the same filesystem) and putting its
// verified copy of the deployment files in place. Everything is moved with rename; what it
// replaces is moved into staging/replaced/ and discarded only once the restore no longer needs it.
import { chmod, cp, lchown, lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathExists } from '../fs.ts';
import type { Owner } from './staging.ts';

/** Which staged paths go back, decided by the caller (core/backup/restore-plan.ts). */
export interface PutBackPlan {
  /** Replaced as a whole (what is not in the backup does not survive). */
  wholeDirs: readonly string[];
  /** Put back (a file moved in, a folder created and given its archived owner). */
  isRestored: (rel: string) => boolean;
  /** Walked into. */
  leadsToRestored: (rel: string) => boolean;
}

export const STAGING_PREFIX = '.restore-';

export class StagingFolder {
  readonly path: string;
  private discarding: Promise<void> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  static async create(root: string): Promise<StagingFolder> {
    return new StagingFolder(await mkdtemp(join(root, STAGING_PREFIX)));
  }

  /** What killed restores left in `root` (the caller holds the lock, so none is in use). */
  static async removeLeftovers(root: string): Promise<void> {
    for (const name of await readdir(root))
      if (name.startsWith(STAGING_PREFIX)) await rm(join(root, name), { recursive: true, force: true });
  }

  /** The staged copy of a deployment file. */
  deploymentPath(rel: string): string {
    return join(this.path, 'deployment', rel);
  }

  /** Starts removing what `putBack` moved aside (in the background; never fails). */
  discardReplaced(): void {
    this.discarding = rm(join(this.path, 'replaced'), { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * Moves what `putBack` moved aside to `to` (a private folder), for a restore without a safety
   * backup. Safe to call twice and when nothing was replaced.
   */
  async keepReplaced(to: string): Promise<void> {
    const replaced = join(this.path, 'replaced');
    if (!(await pathExists(replaced))) return;
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    try {
      await rename(replaced, to);
    } catch (error) {
      // NOTE: a BACKUP_DIR on another filesystem than the deployment: copied, then removed.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await cp(replaced, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      await rm(replaced, { recursive: true, force: true });
    }
    await chmod(to, 0o700);
  }

  async remove(): Promise<void> {
    await this.discarding;
    await rm(this.path, { recursive: true, force: true });
  }

  /** Moves the staged files into `root`; returns the paths put back. */
  async putBack(root: string, owners: ReadonlyMap<string, Owner>, plan: PutBackPlan): Promise<string[]> {
    const src = join(this.path, 'deployment');
    const replaced = join(this.path, 'replaced');
    const restored = await swapWholeDirs(src, root, replaced, plan.wholeDirs);
    const dirsToFix: string[] = [];
    await walk(src, '', async (rel, isDir) => {
      if (!plan.leadsToRestored(rel)) return false;
      if (isDir) {
        await mkdir(join(root, rel), { recursive: true });
        if (plan.isRestored(rel)) dirsToFix.push(rel);
        return true;
      }
      await moveIn(join(src, rel), join(root, rel), join(replaced, rel));
      restored.push(rel);
      return false;
    });
    for (const rel of dirsToFix) await applyOwner(join(root, rel), owners.get(rel));
    return restored;
  }
}

async function swapWholeDirs(src: string, root: string, replaced: string, dirs: readonly string[]): Promise<string[]> {
  const restored: string[] = [];
  for (const dir of dirs) {
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
  return restored;
}

async function applyOwner(path: string, owner: Owner | undefined): Promise<void> {
  if (owner === undefined) return;
  if (process.getuid?.() === 0) await lchown(path, owner.uid, owner.gid).catch(() => undefined);
  await chmod(path, owner.mode & 0o7777).catch(() => undefined);
}

async function moveIn(from: string, to: string, replaced: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  // NOTE: what is there is moved aside, not renamed over: a restore without a safety backup
  // keeps it (keepReplaced). Synapse is stopped, so the moment without the file harms nobody.
  if (await pathExists(to).catch(() => false)) {
    await mkdir(dirname(replaced), { recursive: true });
    await rename(to, replaced);
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
