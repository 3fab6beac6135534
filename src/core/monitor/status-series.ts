// Which signals the status page charts, and their series built from a run of passes (what the
// monitor keeps in its history, or a few `mxctl check --json` outputs). Pure.
import type { Signal } from '../check/signal.ts';
import type { StatusSeries } from './status-model.ts';

/** Charted always, in this order (a chart with no data yet says so); then one per certificate. */
export const CHARTED: readonly { id: string; label: string; unit: string }[] = [
  { id: 'synapse.rss', label: 'Synapse memory (RSS)', unit: 'bytes' },
  { id: 'synapse.event_send_p99', label: 'Message send time, p99', unit: 'seconds' },
  { id: 'synapse.federation_pending_pdus', label: 'Federation: pending events', unit: 'events' },
  { id: 'disk.docker_root', label: "Disk used: Docker's data root", unit: 'ratio' },
  { id: 'disk.media', label: 'Disk used: media store', unit: 'ratio' },
  { id: 'backup.last', label: 'Age of the last backup', unit: 'hours' },
];

/** `tls.NAME` signals carry the certificate's share of life left; tls.reloaded/renewal are states. */
const isCertificate = (s: Signal): boolean => s.id.startsWith('tls.') && s.unit === 'ratio';

export interface Pass {
  /** ISO time of the pass. */
  at: string;
  signals: readonly Signal[];
}

const DAY_MS = 24 * 3_600_000;

/** The charted series over the last 24 h of `passes` (oldest first); thresholds from the newest signal. */
export function seriesFromPasses(passes: readonly Pass[]): StatusSeries[] {
  const timed = passes.map((p) => ({ t: Date.parse(p.at), signals: p.signals })).filter((p) => !Number.isNaN(p.t));
  const newest = Math.max(...timed.map((p) => p.t));
  const recent = timed.filter((p) => p.t >= newest - DAY_MS).sort((a, b) => a.t - b.t);
  const certificates = [...new Set(recent.flatMap((p) => p.signals.filter(isCertificate).map((s) => s.id)))].sort();
  const wanted = [
    ...CHARTED,
    ...certificates.map((id) => ({ id, label: `Certificate life left: ${id.slice(4)}`, unit: 'ratio' })),
  ];
  return wanted.map((w) => {
    const points: [number, number][] = [];
    let last: Signal | undefined;
    for (const p of recent) {
      const s = p.signals.find((x) => x.id === w.id);
      if (s === undefined) continue;
      last = s;
      if (typeof s.value === 'number' && Number.isFinite(s.value)) points.push([p.t, s.value]);
    }
    const t = last?.threshold;
    return {
      ...w,
      points,
      ...(t?.warn == null ? {} : { warn: t.warn }),
      ...(t?.critical == null ? {} : { critical: t.critical }),
    };
  });
}
