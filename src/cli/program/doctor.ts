// Command table: incident diagnosis.
import type { Command } from '@commander-js/extra-typings';
import type { Done } from '../command.ts';
import { dirOf } from './shared.ts';

export function registerDoctor(program: Command, _done: Done): void {
  program
    .command('doctor')
    .description("run the runbook's incident checks: each finding ok/warn/fail with evidence and the fix")
    .option('--json', 'print the report as JSON')
    .option('--bundle <FILE>', 'also write a redacted support bundle (tar.gz, 0600) to FILE')
    .option('-v, --verbose', 'show the evidence of ok findings too')
    .action(async (opts, cmd) => (await import('../commands/doctor.ts')).runDoctorCommand(opts, dirOf(cmd)));
}
