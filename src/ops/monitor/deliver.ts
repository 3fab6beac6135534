// One alert down one channel, retried with back-off: a receiver that hiccups (a restart, a
// timeout) still gets it. What is still undelivered after the last try is reported, never dropped
// silently; the monitor keeps such alerts queued (the caller decides), `test-alert` reports them.
import type { Alert } from '../../core/alerts/alert.ts';
import type { Channel } from '../../core/alerts/channels.ts';
import { sleep } from '../../adapters/clock.ts';
import type { Deps } from '../deps.ts';

export interface Delivery {
  ok: boolean;
  attempts: number;
  /** The last failure, when it was not delivered. */
  error?: string;
}

export interface RetryPolicy {
  attempts: number;
  /** Wait before try n+1 (ms): base * 4^(n-1). */
  baseDelayMs: number;
}

export const TEST_ALERT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500 };

export async function deliver(
  channel: Channel,
  alert: Alert,
  policy: RetryPolicy,
  d: Pick<Deps, 'alerts'>,
): Promise<Delivery> {
  let error = '';
  for (let n = 1; n <= policy.attempts; n++) {
    try {
      await d.alerts.send(channel, alert);
      return { ok: true, attempts: n };
    } catch (e) {
      error = (e as Error).message;
      if (n < policy.attempts) await sleep(policy.baseDelayMs * 4 ** (n - 1));
    }
  }
  return { ok: false, attempts: policy.attempts, error };
}
