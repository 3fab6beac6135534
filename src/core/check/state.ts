// What `check` remembers between runs, in state/check.json (0600, written atomically): when it
// last ran (Synapse's log is read from then on), the disk samples the fill-rate estimate needs,
// and Synapse's counters of the last scrape (rates are taken against them). Small and bounded:
// MAX_SAMPLES per filesystem and one scrape's dozen numbers. Pure.
import type { DiskSample } from './disk-rate.ts';
import type { SynapseCounters } from './synapse-metrics.ts';

export interface CheckState {
  version: 1;
  /** ISO time of the last completed check. */
  lastCheckAt?: string;
  disk: Record<string, DiskSample[]>;
  synapse?: SynapseCounters;
}

export const emptyState = (): CheckState => ({ version: 1, disk: {} });

const isSample = (x: unknown): x is DiskSample =>
  typeof x === 'object' &&
  x !== null &&
  ['at', 'freeBytes', 'totalBytes'].every((k) => typeof (x as Record<string, unknown>)[k] === 'number');

/**
 * The state in a file, read leniently: a missing or damaged file (or a part of it) starts that
 * part afresh; `check` must never fail because its own memory is unreadable.
 */
export function parseCheckState(text: string | undefined): CheckState {
  if (text === undefined) return emptyState();
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return emptyState();
  }
  if (typeof j !== 'object' || j === null || (j as { version?: unknown }).version !== 1) return emptyState();
  const o = j as Record<string, unknown>;
  const disk: Record<string, DiskSample[]> = {};
  if (typeof o['disk'] === 'object' && o['disk'] !== null)
    for (const [k, v] of Object.entries(o['disk'] as Record<string, unknown>))
      if (Array.isArray(v)) disk[k] = v.filter(isSample);
  const state: CheckState = { version: 1, disk };
  if (typeof o['lastCheckAt'] === 'string' && !Number.isNaN(Date.parse(o['lastCheckAt'])))
    state.lastCheckAt = o['lastCheckAt'];
  const s = o['synapse'] as SynapseCounters | undefined;
  if (typeof s === 'object' && s !== null && typeof s.at === 'number' && Array.isArray(s.eventSend)) state.synapse = s;
  return state;
}
