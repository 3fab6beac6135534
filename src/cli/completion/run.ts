// `mxctl completion SHELL`: the script on stdout, for the admin to save where the shell looks.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { bashCompletion } from '../../core/completion/bash.ts';
import { fishCompletion } from '../../core/completion/fish.ts';
import { zshCompletion } from '../../core/completion/zsh.ts';
import { MXCTL_VERSION } from '../../core/version.ts';
import type { ExitStatus } from '../command.ts';
import { programTree } from './program-tree.ts';
import type { Shell } from '../../core/completion/shells.ts';

const GENERATORS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

export function runCompletion(shell: Shell, program: CommandUnknownOpts): ExitStatus {
  process.stdout.write(GENERATORS[shell](programTree(program), MXCTL_VERSION));
  return 0;
}
