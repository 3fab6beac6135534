// Command table: shell completion scripts, generated from this very table.
import { Argument } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { SHELLS } from '../../core/completion/shells.ts';
import type { Done } from '../command.ts';

export function registerCompletion(program: Command, done: Done): void {
  program
    .command('completion')
    .description('print a completion script for bash, zsh or fish (the README says where to put it)')
    .addArgument(new Argument('<SHELL>', 'bash, zsh or fish').choices(SHELLS))
    .action(async (shell) => done((await import('./run.ts')).runCompletion(shell, program)));
}
