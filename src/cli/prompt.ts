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

/**
 * Reads a secret on the terminal without echoing it (raw mode, a character at a time); undefined
 * when there is no terminal. Ctrl-C is the signal it is; a stop signal ends the question.
 */
export function terminalSecret(question: string): Promise<string | undefined> {
  const input = process.stdin;
  if (input.isTTY !== true || process.stderr.isTTY !== true) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    let text = '';
    process.stderr.write(question);
    const finish = (value: string | undefined, error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      forget();
      process.stderr.write('\n');
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(text);
        if (ch === '\u0003') {
          finish(undefined, new MxError('E_ABORTED', 'Interrupted; nothing was changed.'));
          process.kill(process.pid, 'SIGINT');
          return;
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const forget = onStop(() => finish(undefined, new MxError('E_ABORTED', 'Stopped; nothing was changed.')));
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
