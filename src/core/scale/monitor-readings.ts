// The monitor's history (one sample a minute per signal, 30 days) as readings for `scale check`:
// which monitor signals stand for which scaling signal. Pure.
import type { Reading, SignalId } from './triggers.ts';

/** The monitor's signals behind a scaling signal; several are combined by their maximum. */
export const FROM_MONITOR: Partial<Record<SignalId, readonly string[]>> = {
  synapse_rss: ['synapse.rss'],
  disk_used: ['disk.docker_root', 'disk.media'],
  event_send_p99: ['synapse.event_send_p99'],
};

/** The monitor keeps one sample a minute per signal (adapters/monitor-store.ts). */
export const MONITOR_STEP_MS = 60_000;

/**
 * The readings of `id` from the monitor's samples (signal id → [minute, seen at, value], oldest
 * first). Each speaks for its own minute, from the minute's start to when its pass saw it, so a
 * span the monitor was down is not counted as held. Undefined when the monitor holds nothing for it.
 */
export function readingsFromMonitor(
  samples: ReadonlyMap<string, [number, number, number][]>,
  id: SignalId,
): Reading[] | undefined {
  const ids = FROM_MONITOR[id];
  if (ids === undefined) return undefined;
  const byMinute = new Map<number, Reading>();
  for (const s of ids)
    for (const [minute, at, value] of samples.get(s) ?? []) {
      const was = byMinute.get(minute)?.value;
      byMinute.set(minute, {
        from: minute,
        at,
        value: was === null || was === undefined ? value : Math.max(was, value),
      });
    }
  if (byMinute.size === 0) return undefined;
  return [...byMinute.values()].sort((a, b) => a.from - b.from);
}
