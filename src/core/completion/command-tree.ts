// The command table as shell completion sees it: commands, their aliases, flags and the words an
// operand may be. Built from commander's program by the CLI (cli/completion/), so a script can
// never list a command or flag the program does not have. Pure.

export interface CompletionOption {
  /** Every spelling: ['-v', '--verbose']. */
  flags: string[];
  description: string;
  /** The flag is followed by a value (`--dir <DIR>`), which is not a command word. */
  takesValue: boolean;
  /** The values it accepts, when it names them (`--checks full|read-only`). */
  choices: string[];
  /** Valid after a subcommand too (`mxctl status --dir X`); --help and --version are not. */
  inherited: boolean;
}

export interface CompletionCommand {
  name: string;
  aliases: string[];
  description: string;
  options: CompletionOption[];
  /** Values a positional argument accepts, when it names them (`completion bash|zsh|fish`). */
  argumentChoices: string[];
  commands: CompletionCommand[];
}

/** One command as completion reaches it: its path from the root and every flag valid there. */
export interface CompletionNode {
  /** "mxctl users list": the root's name and each command's canonical name. */
  path: string;
  command: CompletionCommand;
  /**
   * Its own flags and its ancestors' inherited ones (commander accepts a parent's option after a
   * subcommand: `mxctl status --dir X`), its own first when a name is repeated.
   */
  options: CompletionOption[];
}

export function completionNodes(root: CompletionCommand): CompletionNode[] {
  const out: CompletionNode[] = [];
  const visit = (command: CompletionCommand, path: string, inherited: CompletionOption[]) => {
    const own = new Set(command.options.flatMap((o) => o.flags));
    const options = [...command.options, ...inherited.filter((o) => !o.flags.some((f) => own.has(f)))];
    out.push({ path, command, options });
    for (const sub of command.commands)
      visit(
        sub,
        `${path} ${sub.name}`,
        options.filter((o) => o.inherited),
      );
  };
  visit(root, root.name, []);
  return out;
}

/** Words offered for an operand at a node: its subcommands (and aliases), else its arguments' choices. */
export function operandWords(c: CompletionCommand): { word: string; description: string }[] {
  const subs = c.commands.flatMap((s) => [s.name, ...s.aliases].map((word) => ({ word, description: s.description })));
  return [...subs, ...c.argumentChoices.map((word) => ({ word, description: '' }))];
}

/** Single-quotes a word for sh, bash, zsh (a ' is closed, escaped and reopened). */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Single-quotes a word for fish (inside '…' only \ and ' are special). */
export function fishQuote(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
