// `mxctl monitor run`: the long-running monitor. Every interval, one pass of every check (pass.ts),
// then the outbox drained (send-queue.ts), the dead-man's ping and the scheduled jobs when due
// (jobs.ts), and /metrics brought up to date; between passes it serves /metrics and the status
// page. A stop signal ends the wait or abandons the pass in flight; the run then returns (exit 0).
// One monitor per deployment (state/monitor.lock; a holder killed with -9 is taken over).
import { join } from 'node:path';
import { nextDecisionAt } from '../../core/alerts/alert-state.ts';
import type { AlertPolicy } from '../../core/alerts/alert-state.ts';
import { alertChannels } from '../../core/alerts/channels.ts';
import { backoffFor } from '../../core/monitor/outbox.ts';
import { passDelayMs } from '../../core/monitor/schedule.ts';
import type { StatusPageModel } from '../../core/monitor/status-model.ts';
import { sleep } from '../../adapters/clock.ts';
import { ensurePrivateDir } from '../../adapters/fs.ts';
import { serveHttp } from '../../adapters/http-server.ts';
import type { HttpAnswer } from '../../adapters/http-server.ts';
import { stopSignal } from '../../adapters/interrupt.ts';
import { withLock } from '../../adapters/lock.ts';
import type { MonitorStore } from '../../adapters/monitor-store.ts';
import type { CheckDeps } from '../check/check.ts';
import type { Deps } from '../deps.ts';
import { readGauges } from './gauges.ts';
import { openHistory, statusOf } from './history.ts';
import { dueJobs, pingIfDue, runJobs } from './jobs.ts';
import { monitorMetrics } from './metrics.ts';
import type { MonitorMetrics } from './metrics.ts';
import { monitorPass } from './pass.ts';
import { sendQueued } from './send-queue.ts';

export interface MonitorOptions {
  intervalMs: number;
  policy: AlertPolicy;
  /** The status page's renderer; without one `/` answers 404 (/status.json still answers). */
  renderStatusPage?: ((m: StatusPageModel) => string) | undefined;
  /** One line per event, for the journal or `docker logs`. */
  log: (line: string) => void;
}

export type MonitorDeps = CheckDeps & Pick<Deps, 'alerts' | 'lock'>;

export interface MonitorReport {
  passes: number;
  listening: string;
  stoppedBy: string | undefined;
}

export async function runMonitor(o: MonitorOptions, d: MonitorDeps): Promise<MonitorReport> {
  const lock = join(d.deployment.stateDir, 'monitor.lock');
  await ensurePrivateDir(d.deployment.stateDir);
  return withLock(d.lock, lock, 'mxctl monitor run', async () => {
    const store = await openHistory(d.deployment);
    try {
      return await loop(o, d, store);
    } finally {
      store.close();
    }
  });
}

async function loop(o: MonitorOptions, d: MonitorDeps, store: MonitorStore): Promise<MonitorReport> {
  const s = d.deployment.settings;
  const metrics = monitorMetrics({ passes: store.fact<number>('passes') ?? 0 });
  const server = await serveHttp(s.MONITOR_ADDRESS, s.MONITOR_PORT, (path) => answer(path, o, d, store, metrics));
  const listening = `http://${s.MONITOR_ADDRESS.includes(':') ? `[${s.MONITOR_ADDRESS}]` : s.MONITOR_ADDRESS}:${server.port}`;
  o.log(`monitor of ${s.MX_SERVER_NAME}: a pass every ${o.intervalMs / 1000} s; ${listening}/metrics`);
  let passes = 0;
  let jobs: Promise<void> | undefined;
  try {
    while (stopSignal() === undefined) {
      const started = Date.now();
      try {
        await tick(o, d, store, metrics, ++passes);
        if (jobs === undefined) jobs = startJobs(o, d, store)?.finally(() => (jobs = undefined));
      } catch (error) {
        if (stopSignal() !== undefined) break;
        o.log(`pass ${passes} failed: ${(error as Error).message}`);
      }
      const decisionAt = nextDecisionAt(store.alertState(), o.policy);
      await sleep(passDelayMs({ lastStart: started, intervalMs: o.intervalMs, decisionAt, now: Date.now() })).catch(
        () => undefined,
      );
    }
  } finally {
    await server.close();
    // NOTE: a scheduled job in flight got the stop signal too (its child is stopped); wait for its record.
    await jobs;
  }
  const stoppedBy = stopSignal();
  o.log(`monitor stopped${stoppedBy === undefined ? '' : ` by ${stoppedBy}`} after ${passes} pass(es)`);
  return { passes, listening, stoppedBy };
}

async function tick(o: MonitorOptions, d: MonitorDeps, store: MonitorStore, m: MonitorMetrics, n: number) {
  const channels = alertChannels(d.deployment.settings).map((c) => c.kind);
  const pass = await monitorPass({ store, policy: o.policy, channels }, d);
  const gauges = await readGauges(d).catch(() => undefined);
  const sent = await sendQueued(store, backoffFor(o.intervalMs), d);
  const ping = await pingIfDue(store, pass.ok, d);
  const queued = new Map<string, number>(channels.map((c) => [c, 0]));
  for (const p of store.pending()) queued.set(p.channel, (queued.get(p.channel) ?? 0) + 1);
  m.update({ gauges, passOk: pass.ok, at: pass.at, queued, levels: pass.signals });
  const wrong = pass.signals.filter((x) => x.level !== 'ok').map((x) => `${x.id}=${x.level}`);
  o.log(
    [
      `pass ${n}: ${wrong.length === 0 ? 'all ok' : wrong.join(' ')} (${pass.durationMs} ms)`,
      ...pass.alerts.map((a) => `alert ${a.status} ${a.key} (${a.severity})`),
      ...(sent.delivered > 0 ? [`${sent.delivered} delivered`] : []),
      ...sent.failed.map((f) => `not delivered on ${f.channel}: ${f.error}`),
      ...(sent.queued > 0 ? [`${sent.queued} queued`] : []),
      ...(ping === undefined ? [] : [ping.ok ? 'pinged' : `ping failed: ${ping.error ?? ''}`]),
    ].join('; '),
  );
}

function startJobs(o: MonitorOptions, d: MonitorDeps, store: MonitorStore): Promise<void> | undefined {
  const due = dueJobs(store, d);
  if (due.length === 0) return undefined;
  o.log(`starting ${due.join(', ')}`);
  return runJobs(store, due, d).then(
    (r) => {
      for (const j of r) o.log(`${j.job} ${j.ok ? 'succeeded' : `FAILED: ${j.error ?? ''}`}`);
    },
    (error: unknown) => o.log(`scheduled jobs failed: ${(error as Error).message}`),
  );
}

async function answer(
  path: string,
  o: MonitorOptions,
  d: MonitorDeps,
  store: MonitorStore,
  m: MonitorMetrics,
): Promise<HttpAnswer> {
  if (path === '/metrics')
    return { status: 200, contentType: m.registry.contentType, body: await m.registry.metrics() };
  const model = () => statusOf(store, d.deployment.settings.MX_SERVER_NAME, d.clock.now());
  if (path === '/status.json')
    return { status: 200, contentType: 'application/json', body: `${JSON.stringify(model())}\n` };
  if (path === '/' && o.renderStatusPage !== undefined)
    return { status: 200, contentType: 'text/html; charset=utf-8', body: o.renderStatusPage(model()) };
  return { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found: /metrics, /status.json\n' };
}
