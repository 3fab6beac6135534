// Each signal's value from two consecutive scrapes (gauges from the later one, rates and
// quantiles from the counters between them). Every input is a Prometheus sample under the name a
// Prometheus would hold it (Synapse's own metrics; cAdvisor's container CPU; node_exporter's
// filesystems; mxctl_active_users from Synapse's user_ips table), so a scrape of Synapse, of
// mxctl's own readings of the host, or of any exposition a test serves all read the same. Pure.
import type { Sample } from '../check/prometheus.ts';
import { bucketDelta, bucketsOf, histogramQuantile, select, sumOf } from '../check/prometheus.ts';
import type { SignalId } from './triggers.ts';

export interface Scrape {
  /** ms since the epoch */
  at: number;
  samples: Sample[];
}

export const METRIC = {
  rss: 'process_resident_memory_bytes',
  containerCpu: 'container_cpu_usage_seconds_total',
  cores: 'machine_cpu_cores',
  fsSize: 'node_filesystem_size_bytes',
  fsAvail: 'node_filesystem_avail_bytes',
  activeUsers: 'mxctl_active_users',
  responseTime: 'synapse_http_server_response_time_seconds',
  processingLag: 'synapse_event_processing_lag',
  processingPositions: 'synapse_event_processing_positions',
  persistedPosition: 'synapse_event_persisted_position',
} as const;

const EVENT_SEND = { servlet: 'RoomSendEventRestServlet', code: /2../ };
const INITIAL_SYNC = { servlet: 'SyncRestServlet', tag: 'sync_v2:initial_sync' };

/** undefined: this scrape does not carry the signal at all. */
export type Values = Partial<Record<SignalId, number | null>>;

export function valuesBetween(prev: Scrape, cur: Scrape): Values {
  const dt = (cur.at - prev.at) / 1000;
  const out: Values = {};
  const rss = sumOf(cur.samples, METRIC.rss);
  if (rss !== undefined) out.synapse_rss = rss;
  const cpu = postgresCpu(prev, cur, dt);
  if (cpu !== undefined) out.postgres_cpu = cpu;
  const disk = fullestFilesystem(cur.samples);
  if (disk !== undefined) out.disk_used = disk;
  const lag = federationLag(cur.samples);
  if (lag !== undefined) out.federation_lag = lag;
  const users = sumOf(cur.samples, METRIC.activeUsers);
  if (users !== undefined) out.active_users = users;
  const send = eventSendP99(prev, cur);
  if (send !== undefined) out.event_send_p99 = send;
  const slow = slowInitialSyncs(prev, cur);
  if (slow !== undefined) out.slow_initial_syncs = slow;
  return out;
}

/** CPU seconds PostgreSQL's container used per second, over the host's cores. */
function postgresCpu(prev: Scrape, cur: Scrape, dt: number): number | null | undefined {
  const a = sumOf(prev.samples, METRIC.containerCpu, { name: 'postgres' });
  const b = sumOf(cur.samples, METRIC.containerCpu, { name: 'postgres' });
  const cores = sumOf(cur.samples, METRIC.cores);
  if (a === undefined || b === undefined || cores === undefined || cores <= 0) return undefined;
  // NOTE: a counter that went down means the container restarted: nothing to say about that span.
  if (b < a || dt <= 0) return null;
  return (b - a) / dt / cores;
}

function fullestFilesystem(samples: readonly Sample[]): number | undefined {
  let worst: number | undefined;
  for (const size of select(samples, METRIC.fsSize)) {
    const avail = select(samples, METRIC.fsAvail, { mountpoint: size.labels['mountpoint'] ?? '' })[0];
    if (avail === undefined || size.value <= 0) continue;
    const used = 1 - avail.value / size.value;
    worst = worst === undefined ? used : Math.max(worst, used);
  }
  return worst;
}

/**
 * Seconds from persisting an event to the federation sender queueing it (the gauge is in ms,
 * set per batch), counted only while the sender is behind in positions: a stale gauge on a
 * caught-up sender must stay quiet (wave2-facts §1a).
 */
function federationLag(samples: readonly Sample[]): number | null | undefined {
  const lag = select(samples, METRIC.processingLag, { name: 'federation_sender' });
  // NOTE: the gauge appears with the sender's first batch: a process that persists events but has
  // no gauge yet has queued nothing since it started (nothing to measure, not "no such signal").
  if (lag.length === 0) return select(samples, METRIC.persistedPosition).length > 0 ? null : undefined;
  const persisted = Math.max(...select(samples, METRIC.persistedPosition).map((s) => s.value));
  const processed = select(samples, METRIC.processingPositions, { name: 'federation_sender' }).map((s) => s.value);
  const behind = processed.length === 0 || !Number.isFinite(persisted) || persisted > Math.min(...processed);
  return behind ? Math.max(...lag.map((s) => s.value)) / 1000 : 0;
}

function eventSendP99(prev: Scrape, cur: Scrape): number | null | undefined {
  const now = bucketsOf(cur.samples, METRIC.responseTime, EVENT_SEND);
  if (now.length === 0) return sumOf(cur.samples, METRIC.responseTime + '_count') === undefined ? undefined : null;
  const delta = bucketDelta(now, bucketsOf(prev.samples, METRIC.responseTime, EVENT_SEND));
  return delta === undefined ? null : (histogramQuantile(0.99, delta)?.value ?? null);
}

function slowInitialSyncs(prev: Scrape, cur: Scrape): number | null | undefined {
  const now = bucketsOf(cur.samples, METRIC.responseTime, INITIAL_SYNC);
  if (now.length === 0) return sumOf(cur.samples, METRIC.responseTime + '_count') === undefined ? undefined : null;
  const delta = bucketDelta(now, bucketsOf(prev.samples, METRIC.responseTime, INITIAL_SYNC));
  const total = delta?.at(-1)?.count ?? 0;
  const fast = delta?.find((b) => b.le === 10)?.count;
  if (delta === undefined || total === 0 || fast === undefined) return null;
  return 1 - fast / total;
}
