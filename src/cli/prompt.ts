// Asking the admin a yes/no question — only when there is a terminal to ask on.
import { createInterface } from 'node:readline/promises';

export function terminalConfirm(): ((question: string) => Promise<boolean>) | undefined {
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}
