#!/usr/bin/env node
// mxctl is written in TypeScript and run by Node's built-in type stripping (Node >= 22.18); a
// release (scripts/release.sh) carries it compiled to JavaScript (Node strips no types under
// node_modules). `bin/mxctl` starts this file on the Node that came with element-matrix.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

// NOTE: backup and restore stream whole archives through this process. With V8's default young
// generation the short-lived objects of that (a buffer, promises and a hash update per pipe
// chunk) survive long enough to be promoted, and resident memory grew with the archive: 328 MiB
// for a 3.2 GB restore. A 4 MiB semi-space collects them young: 219 → 165 MiB on a 1.2 GB one.
// The flag only works from the start, so those commands re-execute in place (same pid, so a
// kill still reaches the process doing the work). The monitor daemon too: its passes make
// short-lived garbage the default young generation let pile up (bench/monitor.ts: 125 → 107 MiB).
// A release's daemon also runs in V8's lite mode (no optimizing compiler, bytecode flushed when
// cold): a pass every 30 s is no hot loop, and it lives for months beside the stack it watches.
// NOTE: only from compiled JavaScript: lite mode has no WebAssembly, which Node's TypeScript
// stripping (a checkout) runs on.
const SEMI_SPACE = '--max-semi-space-size=4';
const LITE = '--lite-mode';
const args = process.argv.slice(2);
const compiled = new URL('../src/cli/main.js', import.meta.url);
const smallYoungGeneration = args.some((a) => a === 'backup' || a === 'restore' || a === 'monitor');
const daemon = args.includes('monitor') && args.includes('run') && existsSync(compiled);
const script = fileURLToPath(import.meta.url);
const nodeFlags = [...(smallYoungGeneration ? [SEMI_SPACE] : []), ...(daemon ? [LITE] : [])].filter(
  (f) => !process.execArgv.includes(f),
);

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  if (nodeFlags.length > 0 && typeof process.execve === 'function') {
    process.execve(
      process.execPath,
      [process.execPath, ...nodeFlags, ...process.execArgv, script, ...args],
      process.env,
    );
  }
  if (process.env.MXCTL_WRAPPED === '1' && process.channel !== undefined) stopWhenWrapperDies();
  const { main } = await import(existsSync(compiled) ? compiled.href : '../src/cli/main.ts');
  process.exitCode = await main(args);
} else {
  runUnderBundledNode();
}

/**
 * Started by an older Node (`node bin/mxctl.mjs` with Debian's Node 20), which has no
 * process.execve: the work runs in a child on the bundled Node. NOTE: `spawn`, not `spawnSync`,
 * so this process stays able to pass SIGTERM, SIGINT and SIGHUP on; and the child holds an IPC
 * channel to it, whose end tells the child that this process was killed (kill -9 cannot be
 * passed on): it then stops as on SIGHUP instead of working on unseen.
 */
function runUnderBundledNode() {
  const bundled = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(
      `mxctl: needs Node.js >= 22.18 (this is ${process.version}); run \`npm install\` in the element-matrix checkout or install Node 24.\n`,
    );
    process.exit(1);
  }
  const child = spawn(bundled, [...nodeFlags, script, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, MXCTL_WRAPPED: '1' },
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`mxctl: could not start ${bundled}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

/** In the child of runUnderBundledNode: the wrapper's end of the channel closing means it is gone. */
function stopWhenWrapperDies() {
  delete process.env.MXCTL_WRAPPED; // not for the programs mxctl runs
  process.channel.unref(); // the channel alone must not keep mxctl running
  process.on('disconnect', () => process.kill(process.pid, 'SIGHUP'));
}
