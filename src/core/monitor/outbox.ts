// The outbox's decisions: which queued alert goes down which channel now, and when a channel that
// failed is tried again. Pure. The rows live in the monitor's database (adapters/monitor-store.ts),
// written in the same transaction as the alert state, so an alert decided is an alert kept.
//   - Per channel, in order: a channel gets its alerts in the order they were made (a "resolved"
//     never overtakes its "firing"); while its oldest is waiting out a back-off, the rest wait too.
//   - Back-off doubles from `baseMs` to `maxMs`, so a receiver down for hours is tried a few times
//     an hour, and one back after a restart gets its queue within `maxMs`.
import type { ChannelKind } from '../alerts/channels.ts';

export interface PendingDelivery {
  outboxId: number;
  channel: ChannelKind;
  /** Failed tries so far. */
  attempts: number;
  /** Not tried before this (epoch ms). */
  nextAt: number;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Scaled to the pass interval: a fast test monitor retries fast, a production one every few minutes at most. */
export function backoffFor(intervalMs: number): BackoffPolicy {
  return { baseMs: Math.min(15_000, intervalMs), maxMs: Math.min(300_000, 5 * intervalMs) };
}

/** When to try again after the `attempts`-th failure. */
export function nextAttemptAt(attempts: number, now: number, p: BackoffPolicy): number {
  return now + Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * What to send now, per channel, oldest first: a channel's whole queue when its oldest is due,
 * nothing for it otherwise. The sender stops a channel's list at its first failure.
 */
export function dueByChannel(pending: readonly PendingDelivery[], now: number): Map<ChannelKind, PendingDelivery[]> {
  const queues = new Map<ChannelKind, PendingDelivery[]>();
  for (const p of [...pending].sort((a, b) => a.outboxId - b.outboxId)) {
    const q = queues.get(p.channel) ?? [];
    q.push(p);
    queues.set(p.channel, q);
  }
  for (const [channel, q] of queues) if ((q[0]?.nextAt ?? Infinity) > now) queues.delete(channel);
  return queues;
}
