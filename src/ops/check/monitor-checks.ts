// The monitor seen from `mxctl check`: alerts owed to a channel, the channels configured, the
// scheduled jobs' last runs (state/monitor.db, read beside the running monitor: WAL allows it).
import { alertChannels } from '../../core/alerts/channels.ts';
import { JOBS, judgeChannels, judgeDelivery, judgeJob } from '../../core/monitor/signals.ts';
import type { JobName, JobRun } from '../../core/monitor/signals.ts';
import type { Signal } from '../../core/check/signal.ts';
import { readHistory } from '../monitor/history.ts';
import type { Deployment } from '../deployment.ts';

export async function monitorChecks(d: Deployment, now: Date): Promise<Signal[]> {
  const channels = judgeChannels(alertChannels(d.settings));
  const store = await readHistory(d);
  if (store === undefined) return [channels];
  try {
    const owed = store.pending().map((p) => ({ channel: p.channel, createdAt: p.createdAt, lastError: p.lastError }));
    const jobs = (Object.keys(JOBS) as JobName[]).flatMap((n) => judgeJob(n, store.fact<JobRun>(`job.${n}`)) ?? []);
    return [channels, judgeDelivery(owed, now), ...jobs];
  } finally {
    store.close();
  }
}
