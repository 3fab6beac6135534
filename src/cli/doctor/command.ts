// Command table: incident diagnosis. The action imports its run module lazily (fast --help).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerDoctor(program: Command, done: Done): void {
  withJson(
    program
      .command('doctor')
      .description("run the runbook's incident checks: each finding ok/warn/fail with evidence and the fix"),
  )
    .option('--bundle <FILE>', 'also write a redacted support bundle (tar.gz, 0600) to FILE')
    .option('-v, --verbose', 'show the evidence of ok findings too')
    .option(
      '--log-window <DURATION>',
      'Synapse log lines this recent (or since Synapse started, if later) fail; older ones are history (e.g. 15m, 90s)',
      '15m',
    )
    .action(async (opts, cmd) => done(await (await import('./run.ts')).runDoctor(opts, dirOf(cmd))));
}
