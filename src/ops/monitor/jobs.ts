// The monitor's timed work besides its passes: the daily backup and prune and the monthly restore
// drill when .env asks for them (MONITOR_BACKUP_AT, MONITOR_RESTORE_TEST), and the dead-man's
// ping. Each job's last run is kept in the history (facts job.backup, job.restore_test): a failed
// one is the signal monitor.job.* in the next pass, and so an alert. The decisions are in
// core/monitor/schedule.ts.
import { isDailyDue, isMonthlyDue, isPingDue, parseTimeOfDay } from '../../core/monitor/schedule.ts';
import type { JobName, JobRun } from '../../core/monitor/signals.ts';
import type { MonitorStore } from '../../adapters/monitor-store.ts';
import { runSelf } from '../../adapters/self-command.ts';
import type { Deps } from '../deps.ts';

export type JobDeps = Pick<Deps, 'deployment' | 'alerts' | 'clock'>;

/** A backup (with its offsite upload) or a drill longer than this is stuck. */
const JOB_TIMEOUT_MS = 6 * 3_600_000;

export interface JobOutcome {
  job: JobName;
  ok: boolean;
  error?: string;
}

const COMMANDS: Record<JobName, string[][]> = {
  backup: [['backup'], ['backup', 'prune']],
  restore_test: [['restore-test']],
};

/** The scheduled jobs due now (none while one still runs: the caller keeps them apart). */
export function dueJobs(store: MonitorStore, d: Pick<Deps, 'deployment' | 'clock'>): JobName[] {
  const s = d.deployment.settings;
  const now = d.clock.now();
  const last = (n: JobName) => {
    const r = store.fact<JobRun>(`job.${n}`);
    return r === undefined ? undefined : new Date(r.at);
  };
  const due: JobName[] = [];
  if (
    s.MONITOR_BACKUP_AT !== '' &&
    isDailyDue(parseTimeOfDay(s.MONITOR_BACKUP_AT, 'MONITOR_BACKUP_AT'), last('backup'), now)
  )
    due.push('backup');
  const drillAt = parseTimeOfDay(s.MONITOR_RESTORE_TEST_AT, 'MONITOR_RESTORE_TEST_AT');
  if (s.MONITOR_RESTORE_TEST === 'monthly' && isMonthlyDue(drillAt, last('restore_test'), now))
    due.push('restore_test');
  return due;
}

/** Jobs one after the other (a drill after the night's backup, never beside it). */
export async function runJobs(store: MonitorStore, names: readonly JobName[], d: JobDeps): Promise<JobOutcome[]> {
  const out: JobOutcome[] = [];
  for (const n of names) out.push(await job(store, n, COMMANDS[n], d));
  return out;
}

/** The dead-man's switch, when due: GET ALERT_PING_URL. */
export async function pingIfDue(
  store: MonitorStore,
  lastPassOk: boolean,
  d: JobDeps,
): Promise<{ ok: boolean; error?: string } | undefined> {
  const s = d.deployment.settings;
  if (s.ALERT_PING_URL === '') return undefined;
  const lastPing = store.fact<string>('ping.last');
  const now = d.clock.now();
  if (!isPingDue(lastPing === undefined ? undefined : new Date(lastPing), s.ALERT_PING_MINUTES, now, lastPassOk))
    return undefined;
  const r = await d.alerts.ping(s.ALERT_PING_URL).then(
    () => ({ ok: true }),
    (error: unknown) => ({ ok: false, error: (error as Error).message }),
  );
  // NOTE: a failed ping is not retried before its next turn: the switch's own grace covers one miss.
  store.setFact('ping.last', now.toISOString());
  return r;
}

/** Runs the commands in order, stopping at the first failure; the run is recorded either way. */
async function job(store: MonitorStore, name: JobName, commands: string[][], d: JobDeps): Promise<JobOutcome> {
  const at = d.clock.now().toISOString();
  let error: string | undefined;
  for (const args of commands) {
    const r = await runSelf(d.deployment.root, [...args, '--json'], JOB_TIMEOUT_MS).catch((e: unknown) => ({
      exitCode: -1,
      stderrTail: (e as Error).message,
    }));
    if (r.exitCode !== 0) {
      error = `mxctl ${args.join(' ')} exited ${r.exitCode}: ${r.stderrTail.split('\n').filter((l) => l.trim() !== '')[0] ?? ''}`;
      break;
    }
  }
  const run: JobRun = error === undefined ? { at, ok: true } : { at, ok: false, error };
  store.setFact(`job.${name}`, run);
  return { job: name, ok: run.ok, ...(error === undefined ? {} : { error }) };
}
