// "When will this disk be full at the current rate?" from the free-space samples successive
// `check` runs keep (state/check.json). A least-squares line through the recent samples, like
// Prometheus's predict_linear, so one burst (a backup written, then pruned) does not dominate.
// Pure.
import { below, levelOf, signal } from './signal.ts';
import type { Signal } from './signal.ts';

export interface DiskSample {
  /** ms since the epoch */
  at: number;
  freeBytes: number;
  totalBytes: number;
}

/** At most this many samples per filesystem: about a day at cron's usual 5-minute spacing. */
export const MAX_SAMPLES = 288;
/** Samples closer together than this replace the newest instead of adding one (a burst of runs keeps the history). */
export const MIN_SPACING_MS = 60_000;
/** The fit uses the last 24 h. */
export const RATE_WINDOW_MS = 24 * 3_600_000;
/** An estimate needs this many samples spanning at least this long. */
export const MIN_SAMPLES = 3;
export const MIN_SPAN_MS = 30 * 60_000;

/** The samples with one more, bounded in count and age, oldest first. */
export function withSample(old: readonly DiskSample[], s: DiskSample): DiskSample[] {
  const kept = old.filter((x) => x.at < s.at && s.at - x.at <= RATE_WINDOW_MS);
  const prev = kept.at(-2);
  // NOTE: replace the newest when it is within MIN_SPACING of the one before it, so the spacing
  // between kept samples stays >= MIN_SPACING and a loop of runs cannot flush the history.
  if (kept.length >= 2 && prev !== undefined && (kept.at(-1)?.at ?? 0) - prev.at < MIN_SPACING_MS) kept.pop();
  return [...kept, s].slice(-MAX_SAMPLES);
}

export type FillEstimate =
  | { kind: 'not-enough'; samples: number; spanMs: number }
  | { kind: 'not-filling'; bytesPerHour: number; samples: number; spanMs: number }
  | { kind: 'filling'; bytesPerHour: number; fullInMs: number; samples: number; spanMs: number };

export function estimateFill(samples: readonly DiskSample[], now: number): FillEstimate {
  const xs = samples.filter((s) => now - s.at <= RATE_WINDOW_MS && s.at <= now);
  const spanMs = xs.length === 0 ? 0 : (xs.at(-1)?.at ?? 0) - (xs[0]?.at ?? 0);
  if (xs.length < MIN_SAMPLES || spanMs < MIN_SPAN_MS) return { kind: 'not-enough', samples: xs.length, spanMs };
  const n = xs.length;
  const mt = xs.reduce((t, s) => t + s.at, 0) / n;
  const mf = xs.reduce((t, s) => t + s.freeBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of xs) {
    num += (s.at - mt) * (s.freeBytes - mf);
    den += (s.at - mt) ** 2;
  }
  const slopePerMs = den === 0 ? 0 : num / den;
  const bytesPerHour = -slopePerMs * 3_600_000;
  if (slopePerMs >= 0) return { kind: 'not-filling', bytesPerHour, samples: n, spanMs };
  const last = xs.at(-1)?.freeBytes ?? 0;
  return { kind: 'filling', bytesPerHour, fullInMs: last / -slopePerMs, samples: n, spanMs };
}

/** Critical when full within a day (the time it takes to grow or move a volume), warn within a week. */
export const FILL_WARN_MS = 7 * 24 * 3_600_000;
export const FILL_CRITICAL_MS = 24 * 3_600_000;

/** The fill estimate as a signal: hours until full, judged against a week and a day. */
export function judgeFill(id: string, what: string, e: FillEstimate): Signal {
  const threshold = below(FILL_WARN_MS / 3_600_000, FILL_CRITICAL_MS / 3_600_000);
  const span = `${e.samples} sample(s) over ${(e.spanMs / 60_000).toFixed(0)} min`;
  if (e.kind === 'not-enough')
    return signal(id, 'ok', `${what}: not enough samples yet to estimate when it is full`, {
      unit: 'hours',
      threshold,
      evidence: `${span}; needs ${MIN_SAMPLES} over ${MIN_SPAN_MS / 60_000} min (each \`mxctl check\` adds one)`,
    });
  const rate = `${(e.bytesPerHour / 1024 ** 2).toFixed(1)} MiB/h`;
  if (e.kind === 'not-filling')
    return signal(id, 'ok', `${what}: not filling up (${rate})`, { unit: 'hours', threshold, evidence: span });
  const hoursLeft = e.fullInMs / 3_600_000;
  return signal(
    id,
    levelOf(hoursLeft, threshold),
    `${what}: full in ${hoursLeft >= 48 ? `${(hoursLeft / 24).toFixed(1)} days` : `${hoursLeft.toFixed(1)} h`} at ${rate}`,
    { value: hoursLeft, unit: 'hours', threshold, evidence: `least-squares fit of free space, ${span}` },
  );
}
