import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureError, firstFailure } from './first-failure.ts';

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));
const failLater = (ms: number, error: Error) => new Promise((_r, reject) => setTimeout(() => reject(error), ms));

test('everything succeeds: no failure, stop never called', async () => {
  let stops = 0;
  assert.equal(await firstFailure([later(5, 1), Promise.resolve(2)], () => stops++), undefined);
  assert.equal(stops, 0);
});

test('the first failure is returned and stops the rest once; later failures are ignored', async () => {
  const stopped: unknown[] = [];
  const first = new Error('gpg died');
  const f = await firstFailure([failLater(20, new Error('EPIPE')), failLater(5, first), later(30, 'done')], (e) =>
    stopped.push(e),
  );
  assert.equal(f?.error, first);
  assert.deepEqual(stopped, [first]);
});

test('it waits for every piece, even after the first failure', async () => {
  let finished = false;
  const slow = later(30, undefined).then(() => (finished = true));
  await firstFailure([Promise.reject(new Error('x')), slow], () => undefined);
  assert.ok(finished);
});

test('a rejection with undefined still counts, and becomes an Error with it as the cause', async () => {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a non-Error rejection
  const f = await firstFailure([Promise.reject(undefined)], () => undefined);
  assert.ok(f !== undefined);
  const e = failureError(f, 'the pipeline failed');
  assert.equal(e.message, 'the pipeline failed');
  assert.equal(e.cause, undefined);
  const same = new Error('kept');
  assert.equal(failureError({ error: same }, 'x'), same);
});
