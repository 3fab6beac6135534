import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionNodes, fishQuote, operandWords, shQuote } from './command-tree.ts';
import type { CompletionCommand, CompletionOption } from './command-tree.ts';

const flag = (flags: string[], inherited = true): CompletionOption => ({
  flags,
  description: flags.join(', '),
  takesValue: false,
  choices: [],
  inherited,
});
const command = (name: string, options: CompletionOption[], commands: CompletionCommand[] = []): CompletionCommand => ({
  name,
  aliases: name === 'status' ? ['ps'] : [],
  description: `${name} things`,
  options,
  argumentChoices: [],
  commands,
});

test("every command's path and flags: its own first, then its ancestors' inherited ones", () => {
  const root = command(
    'mxctl',
    [flag(['--dir']), flag(['-V', '--version'], false), flag(['--json'])],
    [command('backup', [flag(['--json'])], [command('list', [flag(['-v', '--verbose'])])]), command('status', [])],
  );
  const nodes = completionNodes(root);
  assert.deepEqual(
    nodes.map((n) => [n.path, n.options.map((o) => o.flags.at(-1))]),
    [
      ['mxctl', ['--dir', '--version', '--json']],
      ['mxctl backup', ['--json', '--dir']],
      ['mxctl backup list', ['--verbose', '--json', '--dir']],
      ['mxctl status', ['--dir', '--json']],
    ],
  );
  assert.deepEqual(
    operandWords(root).map((w) => w.word),
    ['backup', 'status', 'ps'],
  );
});

test('quoting for sh and fish', () => {
  assert.equal(shQuote(`it's $x`), `'it'\\''s $x'`);
  assert.equal(fishQuote(`it's \\ $x`), `'it\\'s \\\\ $x'`);
});
