import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffFor, dueByChannel, nextAttemptAt } from './outbox.ts';
import type { PendingDelivery } from './outbox.ts';

const row = (outboxId: number, channel: PendingDelivery['channel'], nextAt = 0, attempts = 0): PendingDelivery => ({
  outboxId,
  channel,
  nextAt,
  attempts,
});

describe('outbox', () => {
  it('back-off doubles from the base and stops at the cap', () => {
    const p = { baseMs: 1000, maxMs: 5000 };
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((n) => nextAttemptAt(n, 100, p)),
      [1100, 2100, 4100, 5100, 5100],
    );
  });

  it('the back-off scales with the pass interval, capped at 15 s and 5 min', () => {
    assert.deepEqual(backoffFor(60_000), { baseMs: 15_000, maxMs: 300_000 });
    assert.deepEqual(backoffFor(3_000), { baseMs: 3_000, maxMs: 15_000 });
  });

  it('each channel in order, the whole queue once its oldest is due', () => {
    const due = dueByChannel([row(3, 'webhook'), row(1, 'webhook'), row(2, 'ntfy')], 10);
    assert.deepEqual(
      due.get('webhook')?.map((r) => r.outboxId),
      [1, 3],
    );
    assert.deepEqual(
      due.get('ntfy')?.map((r) => r.outboxId),
      [2],
    );
  });

  it('a channel waiting out its back-off sends nothing, not even newer alerts (no overtaking)', () => {
    const due = dueByChannel([row(1, 'webhook', 500, 2), row(2, 'webhook', 0), row(2, 'ntfy', 0)], 100);
    assert.equal(due.has('webhook'), false);
    assert.deepEqual([...due.keys()], ['ntfy']);
  });

  it('nothing pending, nothing due', () => {
    assert.equal(dueByChannel([], 0).size, 0);
  });
});
