// The e2e lab slots: a slot whose ports something outside our lock holds (a killed run's lab, a
// run from another checkout or mount namespace sharing the network) is skipped, not failed on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { acquireTestSlot, busyLabPorts, tryLockSlot } from '../lab/lab-stack.ts';

// NOTE: slots no lab uses (the e2e labs take 2-12), so this test can run beside them: squatting
// a port of a real lab's slot would break that lab, or find it taken.
const RANGE = { first: 240, last: 250, waitMs: 60_000 };

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

test('a slot whose lab ports are held outside the lock is skipped, and its lock left free', async () => {
  const { n: first, release: releaseFirst } = await acquireTestSlot(RANGE);
  const address = `127.0.0.${first + 1}`;
  await releaseFirst();
  // Occupy one lab port on the next slot, as a stray pebble would, while holding the first slot.
  const held = await acquireTestSlot(RANGE);
  assert.equal(held.n, first);
  const squatter = await listen(address, 8053);
  try {
    assert.deepEqual(
      (await busyLabPorts(address)).map((p) => p.split(' ')[0]),
      [`${address}:8053`],
    );
    const next = await acquireTestSlot(RANGE);
    try {
      assert.ok(next.n > first + 1, `slot ${next.n} must skip the squatted ${first + 1}`);
    } finally {
      await next.release();
    }
    // The skipped slot's lock was released again, so it is usable once the squatter leaves.
    const relock = await tryLockSlot(first + 1);
    assert.ok(relock !== undefined, 'the skipped slot must not stay locked');
    await relock();
  } finally {
    squatter.close();
    await held.release();
  }
});
