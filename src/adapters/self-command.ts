// mxctl running one of its own commands as a child: how the monitor runs its scheduled backup,
// prune and restore drill. NOTE: a child, not the operation in-process: the job is then exactly
// what the admin's cron line runs (its lock, its run record, its offsite upload), a crash or a
// leak in it cannot take the monitor down, and the memory a backup streams through is returned
// when it ends. A stop signal reaches the child through run() (adapters/exec.ts).
import { fileURLToPath } from 'node:url';
import { run, tail } from './exec.ts';

const ENTRY = fileURLToPath(new URL('../../bin/mxctl.mjs', import.meta.url));

export interface SelfRun {
  exitCode: number;
  /** The last lines of its stderr: the failure's message and hint. */
  stderrTail: string;
}

export async function runSelf(dir: string, args: readonly string[], timeoutMs: number): Promise<SelfRun> {
  const r = await run(process.execPath, [ENTRY, '--dir', dir, ...args], {
    purpose: `mxctl ${args[0] ?? ''}`,
    timeoutMs,
    reject: false,
  });
  return { exitCode: r.exitCode, stderrTail: tail(r.stderr, 5) };
}
