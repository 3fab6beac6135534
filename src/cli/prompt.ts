// Asking the admin before a destructive change — only when there is a terminal to ask on.
import { createInterface } from 'node:readline/promises';
import { MxError } from '../core/errors.ts';
import { onStop } from '../adapters/interrupt.ts';
import type { Approve } from '../ops/deps.ts';

export function terminalConfirm(): ((question: string) => Promise<boolean>) | undefined {
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    // NOTE: on a terminal readline takes Ctrl-C itself: made the signal it is, so that it stops
    // mxctl like any other; a stop signal ends the question (a "no").
    rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
    const asked = new AbortController();
    const forget = onStop(() => asked.abort());
    try {
      const answer = await rl.question(`${question} [y/N] `, { signal: asked.signal });
      return /^y(es)?$/i.test(answer.trim());
    } catch (error) {
      if (asked.signal.aborted) return false;
      throw error;
    } finally {
      forget();
      rl.close();
    }
  };
}

/**
 * The one confirmation rule: --yes skips, a dry run needs no consent, a script (no terminal, or
 * --json) without --yes is refused before anything changes, and a "no" aborts.
 */
export function approver(o: {
  yes: boolean;
  dryRun: boolean;
  interactive: boolean;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}): Approve {
  return async (question) => {
    if (o.yes || o.dryRun) return;
    const confirm = o.interactive ? (o.confirm ?? terminalConfirm()) : undefined;
    if (confirm === undefined) {
      throw new MxError(
        'E_USAGE',
        `${question} — mxctl needs a yes, and there is no terminal to ask on. Nothing was changed.`,
        {
          hint: 'Re-run with --yes (or --dry-run, where the command has one, to see what would change).',
        },
      );
    }
    if (!(await confirm(question))) throw new MxError('E_ABORTED', 'Not confirmed; nothing was changed.');
  };
}
