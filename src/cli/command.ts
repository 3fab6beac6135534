// What every command folder (cli/<noun>/) builds on: the exit status a run returns, the global
// --dir, option parsers, and the flag sets many commands share.
import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { Command, CommandUnknownOpts, OptionValues } from '@commander-js/extra-typings';

/**
 * A run returns its exit status (or nothing for 0); failures are thrown as MxErrors and mapped
 * to exit codes by main.ts. Nothing sets process.exitCode.
 */
export type ExitStatus = number | void;

/** Hands a run's exit status back to main(). */
export type Done = (status: ExitStatus) => void;

export function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** The global --dir, seen from any (sub)command. */
export function dirOf(cmd: CommandUnknownOpts): string | undefined {
  return (cmd.optsWithGlobals() as { dir?: string }).dir;
}

/**
 * --json seen from a subcommand: commander hands a --json typed after a subcommand to a parent
 * that has one too (`backup list --json`), so look up the chain.
 */
export function jsonOf<T extends object>(opts: T, cmd: CommandUnknownOpts): T & { json?: true } {
  return (cmd.optsWithGlobals() as { json?: true }).json === true ? { ...opts, json: true } : opts;
}

// The shared flag sets. NOTE: generic over commander's typed Command so each keeps the option
// types the chain has built so far.

/** --json, for anything that reads. */
export function withJson<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  c: Command<A, O, G>,
  what = 'the report',
) {
  return c.option('--json', `print ${what} as JSON`);
}

/** --dry-run and --json, for a change that needs no confirmation. */
export function withDryRun<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  c: Command<A, O, G>,
  dryRun = 'say what would happen, change nothing',
) {
  return withJson(c.option('--dry-run', dryRun));
}

/** -y/--yes, --dry-run and --json, for a destructive change. */
export function withConfirm<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  c: Command<A, O, G>,
  dryRun = 'say what would happen, change nothing',
) {
  return withDryRun(c.option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'), dryRun);
}
