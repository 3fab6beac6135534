// `mxctl completion bash|zsh|fish`, driven through the real shells: bash's completion function
// called with COMP_WORDS as bash would; zsh through a pseudo-terminal (zpty) pressing TAB; fish
// with `complete -C`. A shell that is not installed is reported as skipped, never as passed.
import { test, before, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mxctl, mxctlOk } from '../lab/lab-stack.ts';
import { bashCompletion } from '../src/core/completion/bash.ts';
import type { CompletionCommand } from '../src/core/completion/command-tree.ts';

const exec = promisify(execFile);
let base: string;
const scripts: Record<'bash' | 'zsh' | 'fish', string> = { bash: '', zsh: '', fish: '' };

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mxctl-completion-'));
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    scripts[shell] = join(base, `mxctl.${shell}`);
    await writeFile(scripts[shell], await mxctlOk(['completion', shell]));
  }
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

function installed(shell: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** bash's answer for the last word of `words` (the words are passed as arguments: no quoting). */
async function bashComplete(words: string[], script = scripts.bash): Promise<string[]> {
  const r = await exec('bash', [
    '--norc',
    '--noprofile',
    '-c',
    'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mxctl; printf "%s\\n" "${COMPREPLY[@]}"',
    script,
    ...words,
  ]);
  return r.stdout.split('\n').filter((l) => l !== '');
}

test('an unknown or missing shell is a usage error (exit 2)', async () => {
  const r = await mxctl(['completion', 'tcsh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Allowed choices are bash, zsh, fish/);
  assert.equal((await mxctl(['completion'])).code, 2);
});

test('bash: the script loads and registers _mxctl for mxctl', async () => {
  const r = await exec('bash', ['--norc', '--noprofile', '-c', 'source "$0" && complete -p mxctl', scripts.bash]);
  assert.equal(r.stdout.trim(), 'complete -F _mxctl mxctl');
});

test('bash: completes subcommands, nested ones and aliases', async () => {
  assert.deepEqual(await bashComplete(['mxctl', 'us']), ['users']);
  assert.deepEqual(await bashComplete(['mxctl', 'users', 'li']), ['list']);
  assert.deepEqual(await bashComplete(['mxctl', 'backup', 've']), ['verify']);
  assert.deepEqual(await bashComplete(['mxctl', 'p']), ['ps', 'purge-history']);
  // A global flag's value is not taken for a command word.
  assert.deepEqual(await bashComplete(['mxctl', '--dir', '/srv/matrix', 'users', 'sh']), ['show', 'shadow-ban']);
});

test('bash: every command of --help is offered, so the script follows the command table', async () => {
  const help = (await mxctlOk(['--help'])).split('Commands:')[1] ?? '';
  const listed = [...help.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]);
  assert.ok(listed.length > 15, help);
  const offered = await bashComplete(['mxctl', '']);
  for (const c of listed) assert.ok(offered.includes(c ?? ''), `${c} is not offered`);
});

test("bash: completes a command's flags, its parents' flags, and a flag's values", async () => {
  assert.deepEqual(await bashComplete(['mxctl', 'doctor', '--ver']), ['--verbose']);
  assert.deepEqual(await bashComplete(['mxctl', 'ps', '--j']), ['--json']);
  assert.deepEqual(await bashComplete(['mxctl', 'users', 'list', '--di']), ['--dir']);
  assert.deepEqual(await bashComplete(['mxctl', 'restore', 'latest', '--checks', '']), ['full', 'read-only']);
  assert.deepEqual(await bashComplete(['mxctl', 'completion', '']), ['bash', 'zsh', 'fish']);
  // --version is the root's alone: `mxctl doctor --version` is refused, so it is not offered there.
  assert.deepEqual(await bashComplete(['mxctl', '--vers']), ['--version']);
});

test('bash: descriptions with quotes and $(…) are data, not code', async () => {
  const tree: CompletionCommand = {
    name: 'mxctl',
    aliases: [],
    description: '',
    argumentChoices: [],
    options: [],
    commands: [
      {
        name: 'odd',
        aliases: [],
        description: `it's "$(touch ${join(base, 'pwned')})" \`x\` \\ %s`,
        argumentChoices: [],
        options: [],
        commands: [],
      },
    ],
  };
  const script = join(base, 'odd.bash');
  await writeFile(script, bashCompletion(tree, 'test'));
  assert.deepEqual(await bashComplete(['mxctl', 'o'], script), ['odd']);
  const words = await exec('bash', ['--norc', '--noprofile', '-c', 'source "$0"; _mxctl_words mxctl', script]);
  assert.equal(words.stdout, `odd:it's "$(touch ${join(base, 'pwned')})" \`x\` \\ %s\n`);
  assert.equal(existsSync(join(base, 'pwned')), false);
});

test('zsh: the script parses and TAB completes a subcommand and a flag (zpty)', async (t: TestContext) => {
  if (!installed('zsh')) return t.skip('zsh is not installed');
  await exec('zsh', ['-n', scripts.zsh]);
  // NOTE: an interactive zsh on a pseudo-terminal, as a user has it: compinit, the script
  // sourced, a line typed and TAB pressed; the pattern read waits for zle's redrawn line.
  const driver = `
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'autoload -Uz compinit; compinit -u -D; source ${scripts.zsh}'
zpty -w -n z $'mxctl us\\t'
zpty -r z out '*mxctl users*' || exit 3
print subcommand
zpty -w -n z $'\\C-u'
zpty -w -n z $'mxctl doctor --ver\\t'
zpty -r z out '*mxctl doctor --verbose*' || exit 4
print flag
zpty -d z
# Installed the README's way instead: as _mxctl in a directory of $fpath, autoloaded by compinit.
zpty f 'zsh -f -i'
zpty -w f 'fpath=(${join(base, 'zfunc')} $fpath); autoload -Uz compinit; compinit -u -D'
zpty -w -n f $'mxctl users li\\t'
zpty -r f out '*mxctl users list*' || exit 5
print fpath
zpty -d f
`;
  await mkdir(join(base, 'zfunc'));
  await copyFile(scripts.zsh, join(base, 'zfunc', '_mxctl'));
  const r = await exec('zsh', ['-f', '-c', driver], { timeout: 30_000 });
  assert.equal(r.stdout, 'subcommand\nflag\nfpath\n');
});

test('fish: the script parses and completes a subcommand, a flag and a value (complete -C)', async (t: TestContext) => {
  if (!installed('fish')) return t.skip('fish is not installed');
  await exec('fish', ['--no-execute', scripts.fish]);
  const complete = async (line: string) =>
    (await exec('fish', ['--no-config', '-c', `source $argv[1]; complete -C $argv[2]`, scripts.fish, line])).stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t')[0]);
  assert.deepEqual(await complete('mxctl us'), ['users']);
  assert.deepEqual(await complete('mxctl --dir /srv/matrix users li'), ['list']);
  assert.deepEqual(await complete('mxctl doctor --ver'), ['--verbose']);
  assert.deepEqual(await complete('mxctl restore latest --checks '), ['full', 'read-only']);
});
