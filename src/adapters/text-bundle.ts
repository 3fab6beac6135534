// Packs a few text files (a support bundle) into a tar.gz written 0600: staged in a private temp
// folder, packed by the real tar, written atomically, the folder removed whatever happens.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.ts';
import { writeFileAtomic } from './fs.ts';

export interface TextEntry {
  /** The path inside the bundle's top folder, e.g. `logs/synapse.log`. */
  name: string;
  text: string;
}

export async function writeTextBundle(out: string, top: string, entries: readonly TextEntry[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mxctl-bundle-'));
  try {
    for (const e of entries) await writeFileAtomic(join(dir, top, e.name), e.text, 0o600);
    const tarball = join(dir, `${top}.tar.gz`);
    await run('tar', ['-C', dir, '-czf', tarball, top], { purpose: 'packing the support bundle', timeoutMs: 60_000 });
    await writeFileAtomic(out, await readFile(tarball), 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A program's one-line version output, or 'unknown' when it cannot be run. */
export async function programVersion(file: string, args: readonly string[]): Promise<string> {
  const r = await run(file, args, { purpose: 'reading versions', reject: false, timeoutMs: 15_000 }).catch(
    () => undefined,
  );
  return r?.stdout.trim() ?? 'unknown';
}
