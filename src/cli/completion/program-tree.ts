// commander's program → the command table completion scripts are generated from. Read through
// commander's Help (what `--help` shows), so hidden commands and flags stay hidden here too.
import type { CommandUnknownOpts, Option } from '@commander-js/extra-typings';
import type { CompletionCommand, CompletionOption } from '../../core/completion/command-tree.ts';

function optionOf(o: Option): CompletionOption {
  return {
    flags: [o.short, o.long].filter((f): f is string => f !== undefined),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
    // NOTE: every command has its own --help; --version is read before the command only.
    inherited: o.long !== '--help' && o.long !== '--version',
  };
}

export function programTree(cmd: CommandUnknownOpts): CompletionCommand {
  const help = cmd.createHelp();
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: cmd.summary() || cmd.description(),
    options: help.visibleOptions(cmd as never).map(optionOf),
    argumentChoices: cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
    commands: help.visibleCommands(cmd as never).map((c) => programTree(c)),
  };
}
