import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from '../check/prometheus.ts';
import { cacheStats, perCacheFactors } from './cache-factors.ts';

// As Synapse's metrics listener prints them (two processes for getEvent: main and a worker).
const EXPOSITION = `
synapse_util_caches_cache_size{name="*getEvent*",server_name="x"} 180.0
synapse_util_caches_cache_size{name="*getEvent*",server_name="x",instance="w1"} 20.0
synapse_util_caches_cache_max_size{name="*getEvent*",server_name="x"} 100.0
synapse_util_caches_cache_max_size{name="*getEvent*",server_name="x",instance="w1"} 100.0
synapse_util_caches_cache_hits{name="*getEvent*",server_name="x"} 100.0
synapse_util_caches_cache{name="*getEvent*",server_name="x"} 1000.0
synapse_util_caches_cache_evicted_size{name="*getEvent*",reason="size",server_name="x"} 700.0
synapse_util_caches_cache_evicted_size{name="*getEvent*",reason="time",server_name="x"} 50.0
synapse_util_caches_cache_size{name="get_users_in_room",server_name="x"} 10.0
synapse_util_caches_cache_max_size{name="get_users_in_room",server_name="x"} 50000.0
synapse_util_caches_cache_hits{name="get_users_in_room",server_name="x"} 900.0
synapse_util_caches_cache{name="get_users_in_room",server_name="x"} 1000.0
synapse_util_caches_cache_size{name="full_but_hitting",server_name="x"} 100.0
synapse_util_caches_cache_max_size{name="full_but_hitting",server_name="x"} 100.0
synapse_util_caches_cache_hits{name="full_but_hitting",server_name="x"} 950.0
synapse_util_caches_cache{name="full_but_hitting",server_name="x"} 1000.0
synapse_util_caches_cache_evicted_size{name="full_but_hitting",reason="size",server_name="x"} 10.0
synapse_util_caches_cache_size{name="few_lookups",server_name="x"} 10.0
synapse_util_caches_cache_max_size{name="few_lookups",server_name="x"} 10.0
synapse_util_caches_cache_hits{name="few_lookups",server_name="x"} 0.0
synapse_util_caches_cache{name="few_lookups",server_name="x"} 20.0
synapse_util_caches_cache_evicted_size{name="few_lookups",reason="size",server_name="x"} 10.0
`;

test("each cache's figures, summed over processes; evictions for room only", () => {
  const stats = cacheStats(parseExposition(EXPOSITION).samples);
  assert.deepEqual(
    stats.find((c) => c.name === '*getEvent*'),
    { name: '*getEvent*', size: 200, maxSize: 200, hits: 100, lookups: 1000, evictedForSize: 700 },
  );
  assert.equal(stats.length, 4);
});

test('only a full cache that evicts for room and misses often gets its own factor, twice the global one', () => {
  const advice = perCacheFactors(cacheStats(parseExposition(EXPOSITION).samples), 2);
  assert.deepEqual(
    advice.map((a) => [a.name, a.factor]),
    [['*getEvent*', 4]],
  );
  assert.match(advice[0]?.why ?? '', /full at 200 entries, 10 % hits in 1000 lookups, 700 evicted for room/);
  // At the ceiling already: nothing to give.
  assert.deepEqual(perCacheFactors(cacheStats(parseExposition(EXPOSITION).samples), 8), []);
  assert.deepEqual(perCacheFactors([], 2), []);
});
