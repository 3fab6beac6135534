// withStopHeld in a real process (its own, as node:test runs each file): a signal that comes
// while the held work runs lets it finish, its programs and waits included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './exec.ts';
import { sleep } from './clock.ts';
import { installStopHandlers, stopSignal, wasStopHeld, withStopHeld } from './interrupt.ts';

test('a signal during withStopHeld work: the work runs to its end', async () => {
  installStopHandlers();
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100);
  const result = await withStopHeld(async () => {
    await run('sleep', ['0.5'], { purpose: 'swapping' });
    await sleep(100);
    return 'finished';
  });
  assert.equal(result, 'finished');
  assert.equal(stopSignal(), 'SIGTERM');
  assert.ok(wasStopHeld());
});
