// A stop signal in a real process (this test file's own: node:test runs each file in its own):
// the running program is ended, a pending wait fails, a new request is refused, and cleanup may
// still run programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMxError } from '../core/errors.ts';
import { run } from './exec.ts';
import { sleep } from './clock.ts';
import { httpFetch } from './http.ts';
import { exitStatusFor, installStopHandlers, stopSignal, withStopHeld } from './interrupt.ts';

test('SIGTERM ends the running program and the pending wait; cleanup still runs programs', async () => {
  installStopHandlers();
  const started = Date.now();
  const program = run('sleep', ['30'], { purpose: 'waiting' }).then(
    () => assert.fail('the program was not stopped'),
    (error: unknown) => error,
  );
  const wait = sleep(30_000).then(
    () => assert.fail('the wait was not ended'),
    (error: unknown) => error,
  );
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), 200);
  const failure = await program;
  assert.ok(isMxError(failure, 'E_COMMAND_FAILED'), String(failure));
  assert.match((failure as Error).message, /terminated \(SIGTERM\)/);
  assert.ok(isMxError(await wait, 'E_ABORTED'));
  assert.ok(Date.now() - started < 5_000, 'stopped at once');
  assert.equal(stopSignal(), 'SIGTERM');
  assert.equal(exitStatusFor('SIGTERM'), 143);
  // A second signal changes nothing; the cleanup's programs run.
  process.kill(process.pid, 'SIGINT');
  assert.equal((await run('true', [], { purpose: 'cleaning up' })).exitCode, 0);
  assert.equal(stopSignal(), 'SIGTERM');
  await assert.rejects(httpFetch('http://127.0.0.1:9/'), (e) => isMxError(e, 'E_ABORTED'));
  // A change that must not be stopped half-way is not begun after the signal.
  await assert.rejects(
    withStopHeld(() => Promise.resolve('begun')),
    (e) => isMxError(e, 'E_ABORTED'),
  );
});
