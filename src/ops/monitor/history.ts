// Where the monitor keeps its history (state/monitor.db), and the status page's model read from it.
import { join } from 'node:path';
import { ensurePrivateDir, pathExists } from '../../adapters/fs.ts';
import { MonitorStore } from '../../adapters/monitor-store.ts';
import { SERIES_SPAN_MS, statusModel } from '../../core/monitor/status-from-history.ts';
import type { StatusPageModel } from '../../core/monitor/status-model.ts';
import type { Deployment } from '../deployment.ts';

export const MONITOR_DB = 'monitor.db';

export function monitorDbPath(d: Deployment): string {
  return join(d.stateDir, MONITOR_DB);
}

export async function openHistory(d: Deployment): Promise<MonitorStore> {
  await ensurePrivateDir(d.stateDir);
  return MonitorStore.open(monitorDbPath(d));
}

/** For readers: undefined when the monitor has never run here. */
export async function readHistory(d: Deployment): Promise<MonitorStore | undefined> {
  const path = monitorDbPath(d);
  return (await pathExists(path)) ? MonitorStore.openReadOnly(path) : undefined;
}

/** The status page's model: the latest pass, the alerts sent and still firing, the last 24 h. */
export function statusOf(store: MonitorStore, serverName: string, now: Date): StatusPageModel {
  return statusModel(
    {
      serverName,
      latest: store.latestPass(),
      alertState: store.alertState(),
      samples: store.samples(now.getTime() - SERIES_SPAN_MS),
    },
    now,
  );
}
