// The outbox drained: every queued alert down every channel it is owed to, in order, each try
// retried briefly (deliver.ts), then marked delivered or given a back-off in the database. A
// receiver that is down keeps its queue; it gets every alert, once, when it is back.
// NOTE: at least once: a kill between a receiver's 200 and the mark sends that one alert again.
import { alertChannels } from '../../core/alerts/channels.ts';
import type { Channel, ChannelKind } from '../../core/alerts/channels.ts';
import { dueByChannel, nextAttemptAt } from '../../core/monitor/outbox.ts';
import type { BackoffPolicy } from '../../core/monitor/outbox.ts';
import type { MonitorStore, QueuedDelivery } from '../../adapters/monitor-store.ts';
import type { Deps } from '../deps.ts';
import { deliver } from './deliver.ts';
import type { RetryPolicy } from './deliver.ts';

/** Within one try: a receiver's hiccup (a restart) is ridden out before the longer back-off. */
export const QUEUE_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 1_000 };

export interface QueueOutcome {
  delivered: number;
  failed: { channel: ChannelKind; error: string }[];
  /** Deliveries still owed after this round. */
  queued: number;
}

export async function sendQueued(
  store: MonitorStore,
  backoff: BackoffPolicy,
  d: Pick<Deps, 'deployment' | 'alerts' | 'clock'>,
): Promise<QueueOutcome> {
  const channels = new Map(alertChannels(d.deployment.settings).map((c) => [c.kind, c]));
  const pending = store.pending();
  // A channel taken out of .env: its queue can never be delivered; say so once, keep the rows.
  for (const kind of new Set(pending.map((p) => p.channel)))
    if (!channels.has(kind)) store.drop(kind, 'the channel is no longer configured in .env');
  const due = dueByChannel(
    store.pending().filter((p) => channels.has(p.channel)),
    d.clock.now().getTime(),
  );
  const byId = new Map(store.pending().map((p) => [`${p.outboxId}/${p.channel}`, p]));
  const out: QueueOutcome = { delivered: 0, failed: [], queued: 0 };
  await Promise.all(
    [...due].map(async ([kind, rows]) => {
      const channel = channels.get(kind) as Channel;
      for (const row of rows) {
        const q = byId.get(`${row.outboxId}/${kind}`) as QueuedDelivery;
        const r = await deliver(channel, q.alert, QUEUE_RETRY, d);
        const now = d.clock.now();
        if (r.ok) {
          store.markDelivered(q.outboxId, kind, now);
          out.delivered++;
          continue;
        }
        const error = r.error ?? 'not delivered';
        store.markFailed(q.outboxId, kind, nextAttemptAt(q.attempts + 1, now.getTime(), backoff), error);
        out.failed.push({ channel: kind, error });
        break;
      }
    }),
  );
  out.queued = store.pending().length;
  return out;
}
