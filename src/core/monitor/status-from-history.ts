// The status page's model (status-model.ts) built from the monitor's history: the latest pass,
// the alerts sent and still firing, and the charted signals (status-series.ts's CHARTED, then one
// per certificate) over the last 24 hours from the samples kept once a minute. Values stay in
// the signal's own unit; the page formats them. Pure.
import type { Signal } from '../check/signal.ts';
import { worstOf } from '../check/signal.ts';
import type { AlertState } from '../alerts/alert-state.ts';
import type { StatusPageModel, StatusSeries } from './status-model.ts';
import { CHARTED } from './status-series.ts';

export const SERIES_SPAN_MS = 86_400_000;

export interface HistoryView {
  serverName: string;
  /** The latest pass, when there was one. */
  latest: { at: string; signals: Signal[] } | undefined;
  alertState: AlertState;
  /** Numeric samples by signal id, oldest first (epoch ms, the signal's own unit). */
  samples: ReadonlyMap<string, readonly [number, number][]>;
}

export function statusModel(h: HistoryView, now: Date): StatusPageModel {
  const signals = h.latest?.signals ?? [];
  const alerts = Object.entries(h.alertState)
    .filter(([, t]) => t.notified !== undefined)
    .map(([id, t]) => ({
      id,
      severity: t.level === 'critical' ? ('critical' as const) : ('warning' as const),
      since: t.since,
      summary: t.summary,
    }))
    .sort((a, b) => a.since.localeCompare(b.since));
  return {
    serverName: h.serverName,
    generatedAt: now.toISOString(),
    level: worstOf(signals.map((s) => s.level)),
    signals,
    alerts,
    series: seriesOf(h, signals, now.getTime() - SERIES_SPAN_MS),
  };
}

function seriesOf(h: HistoryView, signals: readonly Signal[], since: number): StatusSeries[] {
  // NOTE: `tls.NAME` carries the certificate's share of life left; tls.reloaded/renewal are states (no samples).
  const certificates = [
    ...new Set([
      ...[...h.samples.keys()].filter((id) => id.startsWith('tls.')),
      ...signals.filter((s) => s.id.startsWith('tls.') && s.unit === 'ratio').map((s) => s.id),
    ]),
  ].sort();
  const wanted = [
    ...CHARTED,
    ...certificates.map((id) => ({ id, label: `Certificate life left: ${id.slice(4)}`, unit: 'ratio' })),
  ];
  return wanted.map((w) => {
    const points = (h.samples.get(w.id) ?? [])
      .filter(([at]) => at >= since)
      .map(([at, v]): [number, number] => [at, v]);
    const t = signals.find((s) => s.id === w.id)?.threshold;
    return {
      ...w,
      points,
      ...(typeof t?.warn === 'number' ? { warn: t.warn } : {}),
      ...(typeof t?.critical === 'number' ? { critical: t.critical } : {}),
    };
  });
}
