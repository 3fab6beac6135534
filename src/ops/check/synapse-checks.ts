// Synapse from the inside: one scrape of its metrics listener (core/check/metrics-target.ts says
// where the host reaches it: never a published port), and its log since the last check.
import { containerLog } from '../../adapters/docker-inspect.ts';
import { httpFetch, describeNetworkError } from '../../adapters/http.ts';
import { parseExposition } from '../../core/check/prometheus.ts';
import { countersOf, judgeSynapseMetrics } from '../../core/check/synapse-metrics.ts';
import { fromFinding, signal } from '../../core/check/signal.ts';
import type { Signal } from '../../core/check/signal.ts';
import type { CheckState } from '../../core/check/state.ts';
import { judgeLogErrors, parseTimestampedLog, LOG_HISTORY_MS } from '../../core/doctor/log-recency.ts';
import { metricsTarget } from '../../core/check/metrics-target.ts';
import type { DoctorFacts } from '../doctor/facts.ts';
import { hsValue, isRunning } from '../doctor/facts.ts';

/** The metrics signals; `state.synapse` becomes this scrape's counters. */
export async function metricsChecks(f: DoctorFacts, state: CheckState): Promise<Signal[]> {
  const c = f.containers.get('synapse');
  const where = metricsTarget({
    running: c !== undefined && isRunning(f, 'synapse'),
    hostNetwork: c?.hostNetwork ?? false,
    addresses: c?.addresses ?? [],
    listeners: hsValue(f, 'listeners'),
    localAddress: f.d.deployment.settings.SYNAPSE_LOCAL_ADDRESS,
  });
  if ('why' in where) return [signal('synapse.metrics', 'critical', `cannot read Synapse's metrics: ${where.why}`)];
  let text: string;
  try {
    const res = await httpFetch(where.url, {}, { timeoutMs: 10_000 });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    text = res.text();
  } catch (error) {
    const why = describeNetworkError(error);
    return [
      signal('synapse.metrics', 'critical', `Synapse's metrics listener does not answer: ${why}`, {
        evidence: where.url,
      }),
    ];
  }
  const { samples, bad } = parseExposition(text);
  const counters = countersOf(samples, f.now.getTime());
  const out = judgeSynapseMetrics(samples, counters, state.synapse);
  state.synapse = counters;
  out.unshift(
    signal('synapse.metrics', 'ok', `Synapse's metrics read (${samples.length} samples)`, {
      value: samples.length,
      unit: 'samples',
      evidence: [
        where.url,
        ...(bad.length === 0 ? [] : [`${bad.length} line(s) not understood, e.g. ${bad[0] ?? ''}`]),
      ],
    }),
  );
  return out;
}

/**
 * ERROR/CRITICAL lines in Synapse's log since the last check (the first check looks back an
 * hour). doctor's judgement, with "recent" meaning exactly "since the last check": a restart in
 * between must not hide the lines of the crash that caused it. A warning: errors are worth a
 * look, the outage itself is what the other signals judge.
 */
export async function logCheck(f: DoctorFacts, lastCheckAt: Date | undefined): Promise<Signal[]> {
  const synapse = f.services.find((s) => s.service === 'synapse');
  if (synapse === undefined) return [];
  const since = lastCheckAt ?? new Date(f.now.getTime() - LOG_HISTORY_MS);
  const windowMs = Math.max(1000, f.now.getTime() - since.getTime());
  const text = await containerLog(synapse.container, {
    tail: 5000,
    since: `${Math.ceil(windowMs / 1000)}s`,
    timestamps: true,
  });
  const lines = parseTimestampedLog(text).filter((l) => l.at >= since);
  const finding = judgeLogErrors('synapse.log_errors', lines, { now: f.now, windowMs, synapseStartedAt: undefined });
  const errors = finding.status === 'ok' ? 0 : Number(/^(\d+) ERROR/.exec(finding.summary)?.[1] ?? 0);
  return [fromFinding(finding, { failIs: 'warn', value: errors, unit: 'lines' })];
}
