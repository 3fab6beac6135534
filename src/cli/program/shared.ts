// Helpers for the command table: option parsers and the deployment directory flag.
import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';

export function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** The global --dir, seen from any (sub)command. */
export function dirOf(cmd: Command<unknown[], Record<string, unknown>>): string | undefined {
  return (cmd.optsWithGlobals() as { dir?: string }).dir;
}
