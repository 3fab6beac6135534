// Per-cache factors from what Synapse's caches do, beside the global factor sized to the host
// (tuning.ts): a cache that is full, evicts entries for room and still misses often is given
// twice the global factor, so the memory goes where a database round-trip is saved instead of
// growing every cache. Read from Synapse's own metrics (synapse/util/caches/__init__.py):
// synapse_util_caches_cache_{size,max_size,hits} and _cache (lookups), and
// synapse_util_caches_cache_evicted_size{reason="size"}. Synapse matches a `per_cache_factors`
// key to a cache after lower-casing both and turning every other character than a letter, a
// digit or `_` into `_` (`*getEvent*` is `_getevent_`), so the metric's name is written as is.
import type { Sample } from '../check/prometheus.ts';

export interface CacheStats {
  name: string;
  size: number;
  maxSize: number;
  hits: number;
  lookups: number;
  evictedForSize: number;
}

export interface CacheAdvice {
  name: string;
  factor: number;
  /** One line: what the cache did ("full at 200 entries, 12 % hits in 1,400 lookups"). */
  why: string;
}

/** Fewer lookups than this say nothing about a cache (a freshly started Synapse). */
export const MIN_LOOKUPS = 500;
/** A cache this full of its maximum counts as full. */
const FULL_SHARE = 0.9;
/** A full cache hitting at least this often is doing its job at its size. */
const GOOD_HIT_RATIO = 0.8;
/** At most this many caches get a factor of their own: each one raises the memory ceiling. */
const MAX_CACHES = 5;
const MAX_FACTOR = 8;

const SERIES = {
  size: 'synapse_util_caches_cache_size',
  maxSize: 'synapse_util_caches_cache_max_size',
  hits: 'synapse_util_caches_cache_hits',
  lookups: 'synapse_util_caches_cache',
  evicted: 'synapse_util_caches_cache_evicted_size',
} as const;

/** Each cache's figures, summed over Synapse's processes (their series differ by labels only). */
export function cacheStats(samples: readonly Sample[]): CacheStats[] {
  const byName = new Map<string, CacheStats>();
  const field = Object.fromEntries(Object.entries(SERIES).map(([k, v]) => [v, k])) as Record<
    string,
    keyof typeof SERIES
  >;
  for (const s of samples) {
    const which = field[s.name];
    const name = s.labels['name'];
    if (which === undefined || name === undefined || !Number.isFinite(s.value)) continue;
    if (which === 'evicted' && s.labels['reason'] !== 'size') continue;
    const c = byName.get(name) ?? { name, size: 0, maxSize: 0, hits: 0, lookups: 0, evictedForSize: 0 };
    if (which === 'evicted') c.evictedForSize += s.value;
    else c[which] += s.value;
    byName.set(name, c);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The caches that are short of room, each with its own factor (twice the global one, at most 8). */
export function perCacheFactors(stats: readonly CacheStats[], globalFactor: number): CacheAdvice[] {
  const factor = Math.min(MAX_FACTOR, Math.round(globalFactor * 2 * 2) / 2);
  if (factor <= globalFactor) return [];
  return stats
    .filter(
      (c) =>
        c.lookups >= MIN_LOOKUPS &&
        c.maxSize > 0 &&
        c.size >= c.maxSize * FULL_SHARE &&
        c.evictedForSize > 0 &&
        c.hits / c.lookups < GOOD_HIT_RATIO,
    )
    .sort((a, b) => b.lookups - b.hits - (a.lookups - a.hits))
    .slice(0, MAX_CACHES)
    .map((c) => ({
      name: c.name,
      factor,
      why: `full at ${c.size} entries, ${Math.round((c.hits / c.lookups) * 100)} % hits in ${c.lookups} lookups, ${c.evictedForSize} evicted for room`,
    }));
}
