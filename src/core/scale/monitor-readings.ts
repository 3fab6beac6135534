// The monitor's history (one sample a minute per signal, 30 days) as readings for `scale check`:
// which monitor signals stand for which scaling signal. Pure.
import type { Reading, SignalId } from './triggers.ts';

/** The monitor's signals behind a scaling signal; several are combined by their maximum. */
export const FROM_MONITOR: Partial<Record<SignalId, readonly string[]>> = {
  synapse_rss: ['synapse.rss'],
  disk_used: ['disk.docker_root', 'disk.media'],
  event_send_p99: ['synapse.event_send_p99'],
};

export const MONITOR_STEP_MS = 60_000;

/**
 * The readings of `id` from the monitor's samples (signal id → [minute, value], oldest first).
 * Each speaks for its own minute only (to `now` for the minute still running: its pass was seen
 * before now), so a span the monitor was down is not counted as held. Undefined when the monitor
 * holds nothing for it.
 */
export function readingsFromMonitor(
  samples: ReadonlyMap<string, [number, number][]>,
  id: SignalId,
  now: number,
): Reading[] | undefined {
  const ids = FROM_MONITOR[id];
  if (ids === undefined) return undefined;
  const byMinute = new Map<number, number>();
  for (const s of ids)
    for (const [minute, value] of samples.get(s) ?? [])
      byMinute.set(minute, Math.max(value, byMinute.get(minute) ?? -Infinity));
  if (byMinute.size === 0) return undefined;
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, value]) => ({ from: minute, at: Math.min(minute + MONITOR_STEP_MS, now), value }));
}
