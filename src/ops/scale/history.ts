// Where `mxctl scale check` reads how long a signal has held: a small interface with three real
// sources, asked in this order for each signal. Prometheus (query_range) when PROMETHEUS_URL is
// set and answers: the whole window, from what it scraped. The monitor's history
// (state/monitor.db) when `mxctl monitor` has run: a sample a minute of Synapse's RSS, the disks
// and the event-send p99. Else sampling now, in-process, over a short bounded span (several
// scrapes of Synapse's metrics and of mxctl's own readings).
import { httpFetch, describeNetworkError } from '../../adapters/http.ts';
import { MxError } from '../../core/errors.ts';
import type { Reading, SignalId } from '../../core/scale/triggers.ts';
import { SIGNAL_IDS } from '../../core/scale/triggers.ts';
import type { Scrape } from '../../core/scale/readings.ts';
import { valuesBetween } from '../../core/scale/readings.ts';
import { SCRAPE_JOBS } from '../../core/monitoring/exported-metrics.ts';
import type { Clock } from '../../core/clock.ts';
import { MONITOR_STEP_MS, readingsFromMonitor } from '../../core/scale/monitor-readings.ts';
import type { MonitorStore } from '../../adapters/monitor-store.ts';
import type { ScrapeSource } from './scrapes.ts';

export interface SignalHistory {
  /** Named in the report: where the readings came from. */
  readonly source: string;
  /** The readings from `since` up to now; undefined when this source does not hold the signal. */
  samples(id: SignalId, since: Date): Promise<Reading[] | undefined>;
}

/** Sampling at most this long per run: a command must not sit for the whole 30-minute window. */
export const MAX_SAMPLING_MS = 60_000;
export const SCRAPES = 6;

export interface SamplingOptions {
  windowMs: number;
  sources: readonly ScrapeSource[];
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  onScrape?: (n: number, of: number) => void;
}

/** Scrapes every source SCRAPES times over min(window, MAX_SAMPLING_MS), once, on first use. */
export class SamplingHistory implements SignalHistory {
  readonly source: string;
  private readonly o: SamplingOptions;
  private taken: Promise<Map<SignalId, Reading[]>> | undefined;

  constructor(o: SamplingOptions) {
    this.o = o;
    this.source = `sampled now (${SCRAPES} scrapes over ${Math.round(this.spanMs() / 1000)} s)`;
  }

  spanMs(): number {
    return Math.min(this.o.windowMs, MAX_SAMPLING_MS);
  }

  async samples(id: SignalId): Promise<Reading[] | undefined> {
    this.taken ??= this.take();
    return (await this.taken).get(id);
  }

  private async take(): Promise<Map<SignalId, Reading[]>> {
    const scrapes: Scrape[] = [];
    const start = this.o.clock.now().getTime();
    const step = this.spanMs() / (SCRAPES - 1);
    for (let i = 0; i < SCRAPES; i++) {
      const due = start + i * step;
      const wait = due - this.o.clock.now().getTime();
      if (wait > 0) await this.o.sleep(wait);
      const at = this.o.clock.now().getTime();
      const parts = await Promise.all(this.o.sources.map((s) => s()));
      scrapes.push({ at, samples: parts.flat() });
      this.o.onScrape?.(i + 1, SCRAPES);
    }
    const out = new Map<SignalId, Reading[]>();
    for (let i = 1; i < scrapes.length; i++) {
      const prev = scrapes[i - 1] as Scrape;
      const cur = scrapes[i] as Scrape;
      for (const [id, value] of Object.entries(valuesBetween(prev, cur)) as [SignalId, number | null][])
        out.set(id, [...(out.get(id) ?? []), { from: prev.at, at: cur.at, value }]);
    }
    return out;
  }
}

const synapse = `job=~"${SCRAPE_JOBS.synapse}.*"`;
const rt = 'synapse_http_server_response_time_seconds';

/**
 * The PromQL of each signal a Prometheus scraping Synapse holds. PostgreSQL's CPU needs cAdvisor
 * and the filesystems node_exporter: read when a Prometheus has them, sampled when it does not.
 * Distinct users come from Synapse's database only.
 */
export const PROMQL: Partial<Record<SignalId, string>> = {
  synapse_rss: `sum(process_resident_memory_bytes{${synapse}})`,
  postgres_cpu: `sum(rate(container_cpu_usage_seconds_total{name=~".*postgres.*"}[2m])) / scalar(sum(machine_cpu_cores))`,
  disk_used: `max(1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"})`,
  federation_lag: `max(synapse_event_processing_lag{${synapse},name="federation_sender"}) / 1000 * (max(synapse_event_persisted_position{${synapse}}) - max(synapse_event_processing_positions{${synapse},name="federation_sender"}) > bool 0)`,
  event_send_p99: `histogram_quantile(0.99, sum by (le) (rate(${rt}_bucket{${synapse},servlet="RoomSendEventRestServlet",code=~"2.."}[5m])))`,
  slow_initial_syncs: `1 - sum(rate(${rt}_bucket{${synapse},servlet="SyncRestServlet",tag="sync_v2:initial_sync",le="10.0"}[15m])) / sum(rate(${rt}_count{${synapse},servlet="SyncRestServlet",tag="sync_v2:initial_sync"}[15m]))`,
};

/** The monitor's samples of the window: only the signals it measures (core/scale/monitor-readings.ts). */
export class MonitorHistory implements SignalHistory {
  readonly source = "the monitor's history (state/monitor.db)";
  private readonly store: MonitorStore;

  constructor(store: MonitorStore) {
    this.store = store;
  }

  samples(id: SignalId, since: Date): Promise<Reading[] | undefined> {
    // NOTE: from the minute holding `since`: its sample speaks for the window's start too (a 30 s
    // window may lie within one minute).
    const from = Math.floor(since.getTime() / MONITOR_STEP_MS) * MONITOR_STEP_MS;
    const readings = readingsFromMonitor(this.store.observations(from), id);
    // NOTE: none seen inside the window (a window shorter than the monitor's interval): not held
    // here, so the next source (sampling now) reads it instead of a verdict of "unknown".
    return Promise.resolve(readings?.some((r) => r.at > since.getTime()) === true ? readings : undefined);
  }
}

/** Readings from a Prometheus's query_range: one every window/30 (at least 15 s), each speaking for its step. */
export class PrometheusHistory implements SignalHistory {
  readonly source: string;
  private readonly base: string;
  private readonly now: () => Date;

  constructor(baseUrl: string, clock: Clock) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.source = `Prometheus at ${new URL(this.base).host}`;
    this.now = () => clock.now();
  }

  async samples(id: SignalId, since: Date): Promise<Reading[] | undefined> {
    const q = PROMQL[id];
    if (q === undefined) return undefined;
    const end = this.now();
    const stepS = Math.max(15, Math.round((end.getTime() - since.getTime()) / 30_000));
    const url = `${this.base}/api/v1/query_range?${new URLSearchParams({
      query: q,
      start: String(since.getTime() / 1000),
      end: String(end.getTime() / 1000),
      step: `${stepS}s`,
    }).toString()}`;
    const series = await queryRange(url);
    if (series.length === 0) return undefined;
    return (series[0] ?? []).map(([t, v]) => {
      const value = Number(v);
      return { from: (t - stepS) * 1000, at: t * 1000, value: Number.isFinite(value) ? value : null };
    });
  }
}

async function queryRange(url: string): Promise<[number, string][][]> {
  let body: { status?: string; data?: { result?: { values?: [number, string][] }[] }; error?: string };
  try {
    const res = await httpFetch(url, {}, { timeoutMs: 15_000 });
    body = res.json() as typeof body;
    if (res.status !== 200 || body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
  } catch (error) {
    throw new MxError('E_STACK_UNHEALTHY', `Prometheus does not answer the query: ${describeNetworkError(error)}`, {
      hint: 'Check PROMETHEUS_URL in .env, or empty it: scale check then samples Synapse itself.',
    });
  }
  return (body.data?.result ?? []).map((r) => r.values ?? []);
}

/** Each signal from the first source that holds it, and which one that was. */
export async function readingsOf(
  sources: readonly SignalHistory[],
  since: Date,
): Promise<Map<SignalId, { source: string; readings: Reading[] }>> {
  const out = new Map<SignalId, { source: string; readings: Reading[] }>();
  for (const id of SIGNAL_IDS)
    for (const h of sources) {
      const readings = await h.samples(id, since);
      if (readings === undefined) continue;
      out.set(id, { source: h.source, readings });
      break;
    }
  return out;
}

/** Whether a Prometheus answers at all (its readiness endpoint), before relying on it. */
export async function prometheusAnswers(baseUrl: string): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    const res = await httpFetch(`${baseUrl.replace(/\/+$/, '')}/-/ready`, {}, { timeoutMs: 5000 });
    return res.status === 200 ? { ok: true } : { ok: false, why: `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, why: describeNetworkError(error) };
  }
}
