// The monitor's /metrics (prom-client): exactly the mxctl_* series the shipped rules read
// (core/monitoring/exported-metrics.ts, one gauge each, built from that list so the two cannot
// drift), plus the monitor's own: passes, the last pass, alerts still owed to a channel, and each
// signal's level. No process or Node default metrics: the contract is what is exported.
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import { EXPORTED_METRICS } from '../../core/monitoring/exported-metrics.ts';
import type { Level } from '../../core/check/signal.ts';
import type { GaugeValues } from './gauges.ts';

// WHY from their own files: prom-client's index also loads its default process metrics, the push
// gateway, cluster aggregation and @opentelemetry/api, about 90 modules this daemon never uses
// (~6 MiB of its resident memory, bench/monitor.ts). The types are the package's own.
const require = createRequire(import.meta.url);
const Registry = require('prom-client/lib/registry') as typeof Prom.Registry;
const Counter = require('prom-client/lib/counter') as typeof Prom.Counter;
const Gauge = require('prom-client/lib/gauge') as typeof Prom.Gauge;
type Registry = Prom.Registry;
type Gauge = Prom.Gauge;

export const OWN_METRICS = {
  passes: 'mxctl_monitor_passes_total',
  failedPasses: 'mxctl_monitor_failed_passes_total',
  lastPass: 'mxctl_monitor_last_pass_timestamp_seconds',
  queued: 'mxctl_monitor_alerts_queued',
  signalLevel: 'mxctl_monitor_signal_level',
} as const;

const LEVEL_VALUE: Record<Level, number> = { ok: 0, warn: 1, critical: 2 };

export interface MonitorMetrics {
  registry: Registry;
  /** After each pass: the figures read, the pass's outcome, the queue by channel. */
  update(u: {
    gauges: GaugeValues | undefined;
    passOk: boolean;
    at: Date;
    queued: ReadonlyMap<string, number>;
    levels: readonly { id: string; level: Level }[];
  }): void;
}

export function monitorMetrics(restored: { passes: number }): MonitorMetrics {
  const registry = new Registry();
  const contract = new Map(
    EXPORTED_METRICS.map((m) => [
      m.name,
      new Gauge({ name: m.name, help: m.help, labelNames: [...m.labels], registers: [registry] }),
    ]),
  );
  const passes = new Counter({
    name: OWN_METRICS.passes,
    help: 'Passes of every check since the monitor was first started.',
    registers: [registry],
  });
  passes.inc(restored.passes);
  const failed = new Counter({
    name: OWN_METRICS.failedPasses,
    help: 'Passes whose checks could not run, since this start.',
    registers: [registry],
  });
  const lastPass = new Gauge({
    name: OWN_METRICS.lastPass,
    help: 'When the last pass ended (Unix seconds).',
    registers: [registry],
  });
  const queued = new Gauge({
    name: OWN_METRICS.queued,
    help: 'Alerts decided but not yet delivered, by channel.',
    labelNames: ['channel'],
    registers: [registry],
  });
  const levels = new Gauge({
    name: OWN_METRICS.signalLevel,
    help: "Each signal's level in the last pass: 0 ok, 1 warn, 2 critical.",
    labelNames: ['id'],
    registers: [registry],
  });
  const g = (name: string) => contract.get(name) as Gauge;
  return {
    registry,
    update(u) {
      passes.inc();
      if (!u.passOk) failed.inc();
      lastPass.set(u.at.getTime() / 1000);
      queued.reset();
      for (const [channel, n] of u.queued) queued.set({ channel }, n);
      levels.reset();
      for (const s of u.levels) levels.set({ id: s.id }, LEVEL_VALUE[s.level]);
      if (u.gauges !== undefined) setContract(g, u.gauges);
    },
  };
}

function setContract(g: (name: string) => Gauge, v: GaugeValues): void {
  // NOTE: reset first: a disk or a name that is gone must not linger with its last value.
  for (const name of [
    'mxctl_disk_size_bytes',
    'mxctl_disk_avail_bytes',
    'mxctl_cert_not_before_seconds',
    'mxctl_cert_not_after_seconds',
  ])
    g(name).reset();
  for (const x of v.disks) {
    g('mxctl_disk_size_bytes').set({ disk: x.disk, path: x.path }, x.sizeBytes);
    g('mxctl_disk_avail_bytes').set({ disk: x.disk, path: x.path }, x.availBytes);
  }
  for (const c of v.certs) {
    g('mxctl_cert_not_before_seconds').set({ name: c.name }, c.notBefore);
    g('mxctl_cert_not_after_seconds').set({ name: c.name }, c.notAfter);
  }
  if (v.backupLastSuccess !== undefined) g('mxctl_backup_last_success_timestamp_seconds').set(v.backupLastSuccess);
  if (v.backupLastRunOk !== undefined) g('mxctl_backup_last_run_ok').set(v.backupLastRunOk);
  if (v.restoreTestLastSuccess !== undefined)
    g('mxctl_restore_test_last_success_timestamp_seconds').set(v.restoreTestLastSuccess);
}
