// Writing a deployment's files: its folders with their modes and owners, the files (.env last:
// a deployment exists once its .env does), and a new deployment appearing atomically (built
// beside the target, then renamed into place).
import { rename, rm, rmdir, mkdir, chown, lstat, symlink, mkdtemp } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DEPLOYMENT_DIRS, SYNAPSE_UID } from '../core/deployment-files.ts';
import type { DeploymentFile } from '../core/deployment-files.ts';
import { fsyncDir, pathExists, writeFileAtomic } from './fs.ts';

const isRoot = (): boolean => process.getuid?.() === 0;

export async function writeTree(
  root: string,
  files: readonly DeploymentFile[],
  only?: ReadonlySet<string>,
): Promise<void> {
  for (const d of DEPLOYMENT_DIRS) {
    const p = join(root, d.path);
    await mkdir(p, { recursive: true, mode: d.mode });
    if (d.synapseOwned === true && isRoot()) await chown(p, SYNAPSE_UID, SYNAPSE_UID);
  }
  // NOTE: compose reads .env from its project folder; the link makes a hand-run
  // `cd compose && docker compose ...` (the seed runbook's way) see the same settings.
  const link = join(root, 'compose', '.env');
  if (!(await lstat(link).catch(() => undefined))) await symlink('../.env', link);
  // .env last: a deployment exists once its .env does.
  const ordered = [...files].sort((a, b) => Number(a.path === '.env') - Number(b.path === '.env'));
  for (const f of ordered) {
    if (only !== undefined && !only.has(f.path)) continue;
    const p = join(root, f.path);
    await writeFileAtomic(p, f.content, f.mode);
    if (f.synapseOwned === true && isRoot()) await chown(p, SYNAPSE_UID, SYNAPSE_UID);
  }
}

/** Builds the tree beside `root` and renames it into place; `root` must be absent or empty. */
export async function createTreeAtomically(root: string, files: readonly DeploymentFile[]): Promise<void> {
  await mkdir(dirname(root), { recursive: true });
  const staging = await mkdtemp(join(dirname(root), `.${basename(root)}.init-`));
  try {
    await writeTree(staging, files);
    if (await pathExists(root)) await rmdir(root);
    await rename(staging, root);
    await fsyncDir(dirname(root));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
