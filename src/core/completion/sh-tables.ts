// The command table as shell functions both bash and zsh run (only `case`, `printf`, `local`):
// what a word names at a path, the words and flags offered there, which flags take a value.
// Each completion script adds its shell's own glue around them. Pure.
import type { CompletionCommand, CompletionNode } from './command-tree.ts';
import { completionNodes, operandWords, shQuote } from './command-tree.ts';

/** "the deployment directory (default: …)" → one line, short enough for a menu. */
export function oneLine(description: string): string {
  const line = description.split('\n')[0]?.trim() ?? '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

function caseFunction(name: string, comment: string, arms: [string, string][]): string {
  const body = arms.map(([pattern, action]) => `    ${shQuote(pattern)}) ${action} ;;`).join('\n');
  return `# ${comment}\n${name}() {\n  case "$1|$2" in\n${body}\n  esac\n}`;
}

const printLines = (lines: string[]) => `printf '%s\\n' ${lines.map(shQuote).join(' ')}`;

export function shTables(root: CompletionCommand): string {
  const fn = `_${root.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const nodes: CompletionNode[] = completionNodes(root);
  const resolve: [string, string][] = nodes.flatMap((n) =>
    n.command.commands.flatMap((s) =>
      [s.name, ...s.aliases].map((w): [string, string] => [`${n.path}|${w}`, `echo ${shQuote(s.name)}`]),
    ),
  );
  const words: [string, string][] = nodes
    .map((n): [string, string[]] => [n.path, operandWords(n.command).map((w) => `${w.word}:${oneLine(w.description)}`)])
    .filter(([, lines]) => lines.length > 0)
    .map(([path, lines]) => [`${path}|`, printLines(lines)]);
  const options: [string, string][] = nodes.map((n) => [
    `${n.path}|`,
    printLines(n.options.flatMap((o) => o.flags.map((f) => `${f}:${oneLine(o.description)}`))),
  ]);
  const valued: [string, string][] = nodes.map((n) => [
    `${n.path}|`,
    `echo ${shQuote(
      n.options
        .filter((o) => o.takesValue)
        .flatMap((o) => o.flags)
        .join(' '),
    )}`,
  ]);
  const choices: [string, string][] = nodes.flatMap((n) =>
    n.options
      .filter((o) => o.choices.length > 0)
      .flatMap((o) => o.flags.map((f): [string, string] => [`${n.path}|${f}`, `echo ${shQuote(o.choices.join(' '))}`])),
  );
  return [
    caseFunction(
      `${fn}_resolve`,
      'PATH WORD → the subcommand WORD names at PATH (an alias → its command), or nothing',
      resolve,
    ),
    caseFunction(
      `${fn}_words`,
      'PATH → "word:description" lines: the subcommands, or the argument values, offered there',
      words,
    ),
    caseFunction(`${fn}_options`, 'PATH → "flag:description" lines: every flag valid at PATH', options),
    caseFunction(`${fn}_value_options`, 'PATH → the flags at PATH that take a value', valued),
    caseFunction(`${fn}_choices`, 'PATH FLAG → the values FLAG accepts, when it names them', choices),
    `# The words typed after the program name → the command path they reach ("${root.name} users list").
${fn}_path() {
  local p=${shQuote(root.name)} skip='' w c
  for w in "$@"; do
    if [ -n "$skip" ]; then skip=''; continue; fi
    case "$w" in
      --) break ;;
      --*=*) ;;
      -*) case " $(${fn}_value_options "$p") " in *" $w "*) skip=1 ;; esac ;;
      *) c=$(${fn}_resolve "$p" "$w"); if [ -n "$c" ]; then p="$p $c"; fi ;;
    esac
  done
  printf '%s\\n' "$p"
}`,
  ].join('\n\n');
}
