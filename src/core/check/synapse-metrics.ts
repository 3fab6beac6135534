// Synapse's health from one scrape of its metrics listener, and the scrape before it (kept in
// state/check.json): rates are taken between the two, like PromQL's rate() over the time since
// the last check; with no usable earlier scrape (the first check, or Synapse restarted since),
// over Synapse's whole uptime, and the evidence says so. Names and expressions:
// wave2-facts §1a (Synapse 1.157 source, checked against a 1.160 scrape). Pure.
import type { Bucket, Sample } from './prometheus.ts';
import { bucketDelta, bucketsOf, histogramQuantile, select, sumOf } from './prometheus.ts';
import { above, levelOf, signal } from './signal.ts';
import type { Signal } from './signal.ts';
import { SYNAPSE_RSS_TRIGGER } from '../doctor/rules.ts';

/** The counters kept between checks (small: a dozen numbers). */
export interface SynapseCounters {
  /** ms since the epoch */
  at: number;
  /** process_start_time_seconds: a different value means Synapse restarted and counters reset. */
  startTime: number | null;
  /** Event-send response time buckets; `le` as text so +Inf survives JSON. */
  eventSend: { le: string; count: number }[];
  responses: number;
  responses5xx: number;
  scheduleSum: number;
  scheduleCount: number;
}

const EVENT_SEND = { servlet: 'RoomSendEventRestServlet', code: /2../ };

export function countersOf(samples: readonly Sample[], at: number): SynapseCounters {
  return {
    at,
    startTime: sumOf(samples, 'process_start_time_seconds') ?? null,
    eventSend: bucketsOf(samples, 'synapse_http_server_response_time_seconds', EVENT_SEND).map((b) => ({
      le: b.le === Infinity ? '+Inf' : String(b.le),
      count: b.count,
    })),
    responses: sumOf(samples, 'synapse_http_server_responses_total') ?? 0,
    responses5xx: sumOf(samples, 'synapse_http_server_responses_total', { code: /5../ }) ?? 0,
    scheduleSum: sumOf(samples, 'synapse_storage_schedule_time_sum') ?? 0,
    scheduleCount: sumOf(samples, 'synapse_storage_schedule_time_count') ?? 0,
  };
}

const toBuckets = (xs: SynapseCounters['eventSend']): Bucket[] =>
  xs.map((b) => ({ le: b.le === '+Inf' ? Infinity : Number(b.le), count: b.count }));

/** The span the rates cover: since the last check when that scrape is usable, else since Synapse started. */
export function baseline(
  now: SynapseCounters,
  before: SynapseCounters | undefined,
): { base: SynapseCounters; since: string } {
  const usable =
    before !== undefined &&
    before.startTime === now.startTime &&
    before.at < now.at &&
    before.responses <= now.responses &&
    before.scheduleCount <= now.scheduleCount;
  if (usable) return { base: before, since: `since the last check ${Math.round((now.at - before.at) / 1000)} s ago` };
  const zero: SynapseCounters = {
    ...now,
    eventSend: [],
    responses: 0,
    responses5xx: 0,
    scheduleSum: 0,
    scheduleCount: 0,
  };
  const started = now.startTime === null ? 'its start' : new Date(now.startTime * 1000).toISOString();
  return { base: zero, since: `since Synapse started (${started}; no earlier scrape of this run)` };
}

/** Thresholds (wave2-facts §1a "alert thought"). */
export const EVENT_SEND_P99 = above(5, 10);
export const HTTP_5XX_RATIO = above(0.01, 0.05);
/** A ratio over a handful of requests says nothing: one 5xx of three would be "33 %". */
export const MIN_REQUESTS = 20;
export const DB_POOL_WAIT = above(0.5, 2);
export const PENDING_PDUS = above(1000, 10_000);
export const RSS = above(SYNAPSE_RSS_TRIGGER, null);

export function judgeSynapseMetrics(
  samples: readonly Sample[],
  now: SynapseCounters,
  before: SynapseCounters | undefined,
): Signal[] {
  const { base, since } = baseline(now, before);
  return [
    rssSignal(samples),
    eventSendSignal(now, base, since),
    http5xxSignal(now, base, since),
    poolWaitSignal(now, base, since),
    pendingPdusSignal(samples),
    backgroundUpdatesSignal(samples),
  ];
}

function rssSignal(samples: readonly Sample[]): Signal {
  const rss = sumOf(samples, 'process_resident_memory_bytes');
  if (rss === undefined) return signal('synapse.rss', 'warn', 'Synapse exports no process_resident_memory_bytes');
  const gib = (rss / 1024 ** 3).toFixed(2);
  const level = levelOf(rss, RSS);
  return signal(
    'synapse.rss',
    level,
    level === 'ok' ? `Synapse uses ${gib} GiB` : `Synapse uses ${gib} GiB, over the runbook's 2 GB trigger`,
    {
      value: rss,
      unit: 'bytes',
      threshold: RSS,
      evidence: [
        'process_resident_memory_bytes',
        ...(level === 'ok' ? [] : ['fix: lower caches.global_factor, then evaluate workers']),
      ],
    },
  );
}

function eventSendSignal(now: SynapseCounters, base: SynapseCounters, since: string): Signal {
  const delta = bucketDelta(toBuckets(now.eventSend), toBuckets(base.eventSend));
  const q = delta === undefined ? undefined : histogramQuantile(0.99, delta);
  if (q === undefined)
    return signal('synapse.event_send_p99', 'ok', `no message sent ${since}`, {
      threshold: EVENT_SEND_P99,
      unit: 'seconds',
      evidence: 'synapse_http_server_response_time_seconds{servlet="RoomSendEventRestServlet"}: no new samples',
    });
  const level = q.aboveTop ? 'critical' : levelOf(q.value, EVENT_SEND_P99);
  const shown = q.aboveTop ? `over ${q.value} s (the histogram's top bucket)` : `${q.value.toFixed(3)} s`;
  return signal('synapse.event_send_p99', level, `message send p99 ${shown} over ${q.count} sends ${since}`, {
    value: q.value,
    unit: 'seconds',
    threshold: EVENT_SEND_P99,
    evidence: `histogram_quantile(0.99) of RoomSendEventRestServlet 2xx response times, ${q.count} sends ${since}`,
  });
}

function http5xxSignal(now: SynapseCounters, base: SynapseCounters, since: string): Signal {
  const total = now.responses - base.responses;
  const bad = now.responses5xx - base.responses5xx;
  const evidence = `synapse_http_server_responses_total: ${bad} of ${total} responses 5xx ${since}`;
  if (total < MIN_REQUESTS)
    return signal('synapse.http_5xx_ratio', 'ok', `too few requests to judge (${total} ${since})`, {
      value: total === 0 ? null : bad / total,
      unit: 'ratio',
      threshold: HTTP_5XX_RATIO,
      evidence,
    });
  const ratio = bad / total;
  const level = levelOf(ratio, HTTP_5XX_RATIO);
  return signal(
    'synapse.http_5xx_ratio',
    level,
    `${(ratio * 100).toFixed(1)} % of Synapse's responses are 5xx ${since}`,
    {
      value: ratio,
      unit: 'ratio',
      threshold: HTTP_5XX_RATIO,
      evidence,
    },
  );
}

function poolWaitSignal(now: SynapseCounters, base: SynapseCounters, since: string): Signal {
  const count = now.scheduleCount - base.scheduleCount;
  const evidence = `synapse_storage_schedule_time: ${count} database transactions ${since}`;
  if (count <= 0)
    return signal('synapse.db_pool_wait', 'ok', `no database transaction ${since}`, {
      unit: 'seconds',
      threshold: DB_POOL_WAIT,
      evidence,
    });
  const wait = (now.scheduleSum - base.scheduleSum) / count;
  const level = levelOf(wait, DB_POOL_WAIT);
  return signal(
    'synapse.db_pool_wait',
    level,
    `database connection wait averages ${(wait * 1000).toFixed(1)} ms ${since}`,
    {
      value: wait,
      unit: 'seconds',
      threshold: DB_POOL_WAIT,
      evidence: [evidence, ...(level === 'ok' ? [] : ['fix: raise cp_max in homeserver.yaml, or add workers'])],
    },
  );
}

function pendingPdusSignal(samples: readonly Sample[]): Signal {
  const pending = sumOf(samples, 'synapse_federation_transaction_queue_pending_pdus');
  if (pending === undefined)
    return signal('synapse.federation_pending_pdus', 'ok', 'no federation sender queue in this process', {
      threshold: PENDING_PDUS,
      unit: 'events',
      evidence: 'synapse_federation_transaction_queue_pending_pdus absent (a federation_sender worker has it)',
    });
  return signal(
    'synapse.federation_pending_pdus',
    levelOf(pending, PENDING_PDUS),
    `${pending} event(s) queued for other servers`,
    {
      value: pending,
      unit: 'events',
      threshold: PENDING_PDUS,
      evidence: 'synapse_federation_transaction_queue_pending_pdus (the federation sender lag, in events)',
    },
  );
}

/** synapse_background_update_status: -1 aborted, 0 disabled, 1 not started, 2 running, 3 complete. */
const UPDATE_STATES: Record<string, string> = {
  '-1': 'aborted',
  '0': 'disabled',
  '1': 'not started',
  '2': 'running',
  '3': 'complete',
};

function backgroundUpdatesSignal(samples: readonly Sample[]): Signal {
  const xs = select(samples, 'synapse_background_update_status');
  if (xs.length === 0)
    return signal('synapse.background_updates', 'warn', 'Synapse exports no background update status');
  const states = xs.map(
    (s) => `${s.labels['database_name'] ?? '?'}: ${UPDATE_STATES[String(s.value)] ?? String(s.value)}`,
  );
  const aborted = xs.some((s) => s.value === -1);
  const running = xs.some((s) => s.value === 2);
  const value = aborted ? 'aborted' : running ? 'running' : (UPDATE_STATES[String(xs[0]?.value)] ?? 'unknown');
  return signal(
    'synapse.background_updates',
    aborted ? 'critical' : 'ok',
    aborted
      ? 'a database background update was ABORTED'
      : running
        ? 'database background updates are running (the next upgrade waits for them)'
        : `database background updates: ${value}`,
    {
      value,
      evidence: [
        `synapse_background_update_status ${states.join(', ')}`,
        ...(aborted ? ['fix: read `mxctl logs synapse` for the failed update; `mxctl background-updates`'] : []),
      ],
    },
  );
}
