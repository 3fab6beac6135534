import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SamplingHistory, SCRAPES, readingsOf } from './history.ts';

describe('sampling now', () => {
  it('scrapes on its slots over min(window, a minute), once, and turns consecutive scrapes into readings', async () => {
    let now = 1_000_000;
    const slept: number[] = [];
    let scrapes = 0;
    const h = new SamplingHistory({
      windowMs: 30 * 60_000,
      clock: { now: () => new Date(now) },
      sleep: (ms) => {
        slept.push(ms);
        now += ms;
        return Promise.resolve();
      },
      sources: [
        () => {
          scrapes++;
          now += 500; // each scrape takes half a second
          return Promise.resolve([{ name: 'process_resident_memory_bytes', labels: {}, value: scrapes * 1e9 }]);
        },
      ],
    });
    assert.match(h.source, /6 scrapes over 60 s/);
    const all = await readingsOf([h], new Date(0));
    const rss = all.get('synapse_rss');
    assert.equal(scrapes, SCRAPES, 'scraped once for every signal');
    assert.equal(rss?.readings.length, SCRAPES - 1);
    assert.deepEqual(
      rss?.readings.map((r) => r.value),
      [2e9, 3e9, 4e9, 5e9, 6e9],
    );
    for (let i = 1; i < (rss?.readings.length ?? 0); i++)
      assert.equal(rss?.readings[i]?.from, rss?.readings[i - 1]?.at, 'each reading speaks from the one before');
    assert.deepEqual(slept, [11_500, 11_500, 11_500, 11_500, 11_500], 'waits for the next slot, less the scrape time');
    assert.equal(all.get('active_users'), undefined, 'a signal no source holds has no readings');
  });
});
