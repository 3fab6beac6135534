// withStopHeld after a signal, in a real process (its own, as node:test runs each file): refused
// to begin, unless it is the way back (evenIfStopped), which runs with its waits and programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './exec.ts';
import { sleep } from './clock.ts';
import { installStopHandlers, stopSignal, wasStopHeld, withStopHeld } from './interrupt.ts';

test('after a signal: new held work is refused; a rollback (evenIfStopped) runs to its end', async () => {
  installStopHandlers();
  process.kill(process.pid, 'SIGTERM');
  await sleep(50).catch(() => undefined);
  assert.equal(stopSignal(), 'SIGTERM');
  // A wait begun after the signal is a rejected promise (a .catch catches it), not a throw.
  assert.equal(await sleep(10_000).catch(() => 'refused'), 'refused');
  await assert.rejects(
    withStopHeld(() => Promise.resolve('begun')),
    /Stopped by SIGTERM/,
  );
  const back = await withStopHeld(
    async () => {
      await run('sleep', ['0.1'], { purpose: 'going back' });
      await sleep(50);
      return 'rolled back';
    },
    { evenIfStopped: true },
  );
  assert.equal(back, 'rolled back');
  assert.ok(wasStopHeld());
});
