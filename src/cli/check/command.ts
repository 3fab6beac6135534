// Command table: the one-shot monitoring pass. The action imports its run module lazily (fast --help).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerCheck(program: Command, done: Done): void {
  withJson(
    program
      .command('check')
      .description(
        'one pass of every monitored signal (endpoints, certificates, disk, backups, Synapse metrics and log); exit 0 ok, 1 warn, 2 critical',
      ),
    'every signal (id, level, value, threshold, evidence)',
  )
    .option('-v, --verbose', 'show the evidence of ok signals too')
    .action(async (opts, cmd) => done(await (await import('./run.ts')).runCheck(opts, dirOf(cmd))));
}
