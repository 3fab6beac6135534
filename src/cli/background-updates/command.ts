// `mxctl background-updates`: Synapse's database background updates.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerBackgroundUpdates(program: Command, done: Done): void {
  withJson(
    program.command('background-updates').description("Synapse's database background updates: running or idle"),
  ).action(async (opts, cmd) => done(await (await import('./run.ts')).runBackgroundUpdates(opts, dirOf(cmd))));
}
