#!/usr/bin/env node
// mxctl is written in TypeScript and run by Node's built-in type stripping (Node >= 22.18); a
// release (scripts/release.sh) carries it compiled to JavaScript (Node strips no types under
// node_modules). `bin/mxctl` starts this file on the Node that came with element-matrix.
// NOTE: Debian's Node 20 cannot strip types; when started by an older Node we re-run under the
// Node 24 that `npm install` put in node_modules (the `node` devDependency), if there is one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// NOTE: backup and restore stream whole archives through this process. With V8's default young
// generation the short-lived objects of that (a buffer, promises and a hash update per pipe
// chunk) survive long enough to be promoted, and resident memory grew with the archive: 328 MiB
// for a 3.2 GB restore. A 4 MiB semi-space collects them young: 219 → 165 MiB on a 1.2 GB one.
// The flag only works from the start, so those commands re-execute in place (same pid, so a
// kill still reaches the process doing the work).
const SEMI_SPACE = '--max-semi-space-size=4';
const streaming = process.argv.slice(2).some((a) => a === 'backup' || a === 'restore');

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (streaming && !process.execArgv.includes(SEMI_SPACE) && typeof process.execve === 'function') {
  process.execve(
    process.execPath,
    [process.execPath, SEMI_SPACE, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    process.env,
  );
}
if (major > 22 || (major === 22 && minor >= 18)) {
  const compiled = new URL('../src/cli/main.js', import.meta.url);
  const { main } = await import(existsSync(compiled) ? compiled.href : '../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const bundled = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(
      `mxctl: needs Node.js >= 22.18 (this is ${process.version}); run \`npm install\` in the element-matrix checkout or install Node 24.\n`,
    );
    process.exit(1);
  }
  const r = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
