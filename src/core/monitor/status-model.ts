// What the status page shows, built from the monitor's history: the latest pass's signals, the
// alerts firing, and 24-hour series of the figures an admin reads at a glance. Pure: the page's
// renderer (status-page.ts) and its test take this model, never the database.
import type { Level, Signal } from '../check/signal.ts';
import { worstOf } from '../check/signal.ts';
import type { AlertState } from '../alerts/alert-state.ts';
import type { Severity } from '../alerts/alert.ts';

export interface StatusSeries {
  id: string;
  label: string;
  unit: string;
  points: [number, number][];
  warn?: number;
  critical?: number;
}

export interface StatusPageModel {
  serverName: string;
  /** ISO 8601. */
  generatedAt: string;
  level: Level;
  /** The latest pass. */
  signals: Signal[];
  /** Firing (alerted) only. */
  alerts: { id: string; severity: Severity; since: string; summary: string }[];
  /** The last 24 hours. */
  series: StatusSeries[];
}

/** A charted signal: its label, the unit shown, and the factor from the signal's own unit. */
export interface ChartSpec {
  /** A signal id, or a prefix ending in '.' (one chart per signal under it, e.g. every certificate). */
  id: string;
  label: string;
  unit: string;
  scale: number;
}

export const CHARTS: readonly ChartSpec[] = [
  { id: 'synapse.rss', label: 'Synapse memory (RSS)', unit: 'MiB', scale: 1 / 1024 ** 2 },
  { id: 'synapse.event_send_p99', label: 'Message send p99', unit: 's', scale: 1 },
  { id: 'synapse.federation_pending_pdus', label: 'Federation sender queue', unit: 'events', scale: 1 },
  { id: 'disk.docker_root', label: "Disk used: Docker's data root", unit: '%', scale: 100 },
  { id: 'disk.media', label: 'Disk used: media store', unit: '%', scale: 100 },
  { id: 'backup.last', label: 'Newest backup age', unit: 'h', scale: 1 },
  { id: 'tls.', label: 'Certificate life left', unit: '%', scale: 100 },
];

export const SERIES_SPAN_MS = 86_400_000;

export interface StatusInputs {
  serverName: string;
  /** The latest pass, when there was one. */
  latest: { at: string; signals: Signal[] } | undefined;
  alertState: AlertState;
  /** Numeric samples by signal id, oldest first (epoch ms, the signal's own unit). */
  samples: ReadonlyMap<string, readonly [number, number][]>;
}

export function statusModel(i: StatusInputs, now: Date): StatusPageModel {
  const signals = i.latest?.signals ?? [];
  const alerts = Object.entries(i.alertState)
    .filter(([, t]) => t.notified !== undefined)
    .map(([id, t]) => ({
      id,
      severity: t.level === 'critical' ? ('critical' as const) : ('warning' as const),
      since: t.since,
      summary: t.summary,
    }))
    .sort((a, b) => a.since.localeCompare(b.since));
  return {
    serverName: i.serverName,
    generatedAt: now.toISOString(),
    level: worstOf(signals.map((s) => s.level)),
    signals,
    alerts,
    series: seriesOf(i, signals, now.getTime() - SERIES_SPAN_MS),
  };
}

function seriesOf(i: StatusInputs, signals: readonly Signal[], since: number): StatusSeries[] {
  const out: StatusSeries[] = [];
  for (const spec of CHARTS) {
    const ids = spec.id.endsWith('.')
      ? [...new Set([...i.samples.keys(), ...signals.map((s) => s.id)])].filter((id) => id.startsWith(spec.id)).sort()
      : [spec.id];
    for (const id of ids) {
      const points = (i.samples.get(id) ?? [])
        .filter(([at]) => at >= since)
        .map(([at, v]): [number, number] => [at, round(v * spec.scale)]);
      const t = signals.find((s) => s.id === id)?.threshold;
      const label = spec.id.endsWith('.') ? `${spec.label}: ${id.slice(spec.id.length)}` : spec.label;
      out.push({
        id,
        label,
        unit: spec.unit,
        points,
        ...(typeof t?.warn === 'number' ? { warn: round(t.warn * spec.scale) } : {}),
        ...(typeof t?.critical === 'number' ? { critical: round(t.critical * spec.scale) } : {}),
      });
    }
  }
  return out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
