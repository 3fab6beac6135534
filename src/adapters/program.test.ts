// Real programs (sh, cat, head, sleep) through startProgram and run: output, input, environment,
// a timeout, a program that is not installed, one that ignores SIGTERM, one that prints too much.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { isMxError } from '../core/errors.ts';
import { startProgram } from './program.ts';
import { run } from './exec.ts';

test('output and exit code are kept; stdin is empty unless input is given', async () => {
  const r = await startProgram('sh', ['-c', 'cat; echo out; echo err >&2; exit 3']).done;
  assert.deepEqual([r.exitCode, r.signal, r.stdout, r.stderr], [3, undefined, 'out\n', 'err\n']);
  const fed = await run('cat', [], { purpose: 'echoing', input: 'héllo' });
  assert.equal(fed.stdout, 'héllo');
});

test("the environment is mxctl's own plus the given one; undefined removes a variable", async () => {
  process.env['MXCTL_PROGRAM_TEST'] = 'inherited';
  const r = await run('sh', ['-c', 'echo "$MXCTL_PROGRAM_TEST/$EXTRA/${HOME:-none}"'], {
    purpose: 'env',
    env: { EXTRA: 'given', HOME: undefined },
  });
  assert.equal(r.stdout, 'inherited/given/none\n');
});

test('an input stream is fed to stdin; a program that stops reading early ends the stream, and nothing hangs', async () => {
  const r = await startProgram('wc', ['-c'], { inputStream: Readable.from([Buffer.alloc(70_000), 'x']) }).done;
  assert.equal(r.stdout.trim(), '70001');
  const endless = new Readable({
    read() {
      this.push(Buffer.alloc(65_536));
    },
  });
  const early = await startProgram('head', ['-c', '10'], { inputStream: endless }).done;
  assert.equal(early.exitCode, 0);
  assert.equal(early.stdout.length, 10);
  assert.ok(endless.destroyed, 'the producer was stopped');
});

test('stdout lines reach the callback as they come, split across chunks, blank lines left out', async () => {
  const lines: string[] = [];
  const r = await startProgram('sh', ['-c', 'printf "one\\ntw"; sleep 0.1; printf "o\\n\\nthr€e"'], {
    onStdoutLine: (l) => lines.push(l),
  }).done;
  assert.deepEqual(lines, ['one', 'two'], 'a last line without its newline is not a line yet');
  assert.equal(r.stdout, 'one\ntwo\n\nthr€e');
});

test('a timeout, a missing program, a non-zero exit: the errors say which', async () => {
  await assert.rejects(run('sleep', ['5'], { purpose: 'waiting', timeoutMs: 200 }), (e) => isMxError(e, 'E_TIMEOUT'));
  await assert.rejects(run('mxctl-no-such-program', [], { purpose: 'trying' }), (e) => isMxError(e, 'E_TOOL_MISSING'));
  await assert.rejects(run('sh', ['-c', 'echo why >&2; exit 4'], { purpose: 'failing' }), (e) => {
    assert.ok(isMxError(e, 'E_COMMAND_FAILED'));
    assert.match((e as Error).message, /^failing: sh exited with code 4\.$/);
    return true;
  });
  assert.equal((await run('sh', ['-c', 'exit 4'], { purpose: 'x', reject: false })).exitCode, 4);
});

test('a program that ignores SIGTERM gets a SIGKILL 5 s later; its orphaned child does not hold the run', async () => {
  const p = startProgram('sh', ['-c', 'trap "" TERM; echo ready; sleep 30 & wait'], { onStdoutLine: () => p.stop() });
  const started = Date.now();
  const r = await p.done;
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(Date.now() - started >= 4_500, 'SIGTERM came first');
  assert.ok(Date.now() - started < 15_000, 'not waiting for the output its own child (sleep 30) holds open');
});

test('a program that prints more than 100 MiB is stopped, and run says so', async () => {
  await assert.rejects(run('cat', ['/dev/zero'], { purpose: 'flooding' }), /printed more than 100 MiB/);
});
