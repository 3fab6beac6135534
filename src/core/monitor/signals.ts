// The monitor's own signals, judged for `mxctl check` (and so for the monitor's passes, and so
// alerted): alerts it could not deliver, alert channels that cannot report this server down, and
// the scheduled jobs it ran. Pure.
import { signal } from '../check/signal.ts';
import type { Signal } from '../check/signal.ts';
import type { Channel } from '../alerts/channels.ts';
import { inBandOnly } from '../alerts/channels.ts';

/** Owed longer than this (ms), an alert is late: a receiver is down or refuses it. */
export const DELIVERY_LATE_MS = 5 * 60_000;
export const DELIVERY_CRITICAL_MS = 60 * 60_000;

export interface Owed {
  channel: string;
  createdAt: number;
  lastError: string | null;
}

export function judgeDelivery(owed: readonly Owed[], now: Date): Signal {
  if (owed.length === 0)
    return signal('monitor.delivery', 'ok', 'every alert decided has been delivered', { value: 0, unit: 'alerts' });
  const oldest = Math.min(...owed.map((o) => o.createdAt));
  const age = now.getTime() - oldest;
  const channels = [...new Set(owed.map((o) => o.channel))].sort();
  const level = age >= DELIVERY_CRITICAL_MS ? 'critical' : age >= DELIVERY_LATE_MS ? 'warn' : 'ok';
  const errors = [...new Set(owed.map((o) => o.lastError).filter((e): e is string => e !== null))];
  return signal(
    'monitor.delivery',
    level,
    `${owed.length} alert delivery(ies) owed on ${channels.join(', ')}, the oldest for ${Math.round(age / 60_000)} min`,
    {
      value: owed.length,
      unit: 'alerts',
      evidence: [...errors.slice(0, 3), 'the monitor retries with back-off; fix the receiver or the setting in .env'],
    },
  );
}

/** Only in-band channels: this server's outage would go unreported (none at all: said, not judged). */
export function judgeChannels(channels: readonly Channel[]): Signal {
  if (channels.length === 0)
    return signal('alerts.channels', 'ok', 'no alert channel configured: the monitor records, and tells nobody', {
      evidence: 'set one in .env (ALERT_NTFY_URL, ALERT_WEBHOOK_URL, ALERT_EMAIL_TO); docs/RUNBOOK.md, Alert channels',
    });
  const kinds = channels.map((c) => c.kind).join(', ');
  if (inBandOnly(channels))
    return signal('alerts.channels', 'warn', 'only the Matrix room is configured: it cannot report this server down', {
      evidence: 'add an out-of-band channel (ntfy, email or a webhook) in .env',
    });
  return signal('alerts.channels', 'ok', `alert channels: ${kinds}`);
}

/** What the monitor keeps of a scheduled job's last run. */
export interface JobRun {
  at: string;
  ok: boolean;
  /** Its failure, one line. */
  error?: string;
}

export const JOBS = { backup: 'the scheduled backup and prune', restore_test: 'the scheduled restore drill' } as const;
export type JobName = keyof typeof JOBS;

export function judgeJob(name: JobName, run: JobRun | undefined): Signal | undefined {
  if (run === undefined) return undefined;
  const id = `monitor.job.${name}`;
  if (run.ok) return signal(id, 'ok', `${JOBS[name]} succeeded at ${run.at}`);
  return signal(id, 'warn', `${JOBS[name]} FAILED at ${run.at}`, {
    evidence: [run.error ?? 'no reason recorded', `the monitor's log has the run; run it by hand to see it again`],
  });
}
