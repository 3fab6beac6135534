// The machine's own Node: what a server has before element-matrix brings its Node 24.
import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';

/** The first `node` on PATH that is not a project's node_modules/.bin (Debian's /usr/bin/node). */
export function stockNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.includes('node_modules')) continue;
    try {
      accessSync(join(dir, 'node'), constants.X_OK);
      return join(dir, 'node');
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Whether `node` is too old to run mxctl itself (so bin/mxctl.mjs runs the work in a child). */
export function isTooOld(node: string): boolean {
  const [major = 0, minor = 0] = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' })
    .trim()
    .split('.')
    .map(Number);
  return major < 22 || (major === 22 && minor < 18);
}
