import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cacheFactor,
  cacheFactorOf,
  cacheFactorsOf,
  describeHost,
  recommendTuning,
  withCacheFactor,
} from './tuning.ts';

const GiB = 1024 ** 3;

describe('tuning sized to the host', () => {
  it('PostgreSQL plans with a quarter of the memory (pgtune, web workload)', () => {
    const t = recommendTuning({ memoryBytes: 24 * GiB, cores: 2 });
    assert.deepEqual(t.postgres, {
      shared_buffers: '1536MB',
      effective_cache_size: '12288MB',
      maintenance_work_mem: '384MB',
      work_mem: '15728kB',
      wal_buffers: '16MB',
      max_wal_size: '4GB',
    });
    const small = recommendTuning({ memoryBytes: 2 * GiB, cores: 1 });
    assert.equal(small.postgres.shared_buffers, '128MB');
    assert.equal(small.postgres.work_mem, '4096kB', 'never below 4 MB');
    assert.equal(small.postgres.max_wal_size, '2GB');
  });

  it("Synapse's cache factor: one half-step per 2 GiB, from 0.5 to 4.0", () => {
    assert.equal(cacheFactor(1 * GiB), 0.5);
    assert.equal(cacheFactor(4 * GiB), 1);
    assert.equal(cacheFactor(8 * GiB), 2);
    assert.equal(cacheFactor(24 * GiB), 4);
    assert.equal(describeHost({ memoryBytes: 24 * GiB, cores: 2 }), '24 GiB, 2 cores');
  });
});

describe('homeserver.yaml edited as text', () => {
  const hs = 'server_name: "example.org"\nlisteners:\n  - port: 8008\n    bind_addresses: ["0.0.0.0"]\n';

  it('a block appended when there is none; every other byte kept', () => {
    const out = withCacheFactor(hs, 4, '24 GiB, 2 cores');
    assert.ok(out !== undefined);
    assert.ok(out.startsWith(hs), 'the admin’s text is untouched');
    assert.equal(cacheFactorOf(out), 4);
    assert.match(out, /# Written by `mxctl tune apply` \(24 GiB, 2 cores\)/);
  });

  it('the value replaced inside an existing caches block, its other keys kept', () => {
    const withCaches = `${hs}caches:\n    global_factor: 0.5\n    expire_caches: true\nother: 1\n`;
    const out = withCacheFactor(withCaches, 2, 'x');
    assert.equal(cacheFactorOf(out ?? ''), 2);
    assert.match(out ?? '', /^ {4}global_factor: 2\.0 /m);
    assert.match(out ?? '', /^ {4}expire_caches: true$/m);
    assert.match(out ?? '', /^other: 1$/m);
    const noFactor = withCacheFactor(`${hs}caches:\n  expire_caches: true\n`, 1.5, 'x');
    assert.equal(cacheFactorOf(noFactor ?? ''), 1.5);
  });

  it('per-cache factors beside the global one: in a new block and in an existing one; names quoted', () => {
    const fresh = withCacheFactor(hs, 2, 'x', { '*getEvent*': 4 });
    assert.ok(fresh?.startsWith(hs));
    assert.deepEqual(cacheFactorsOf(fresh ?? ''), { global: 2, perCache: { '*getEvent*': 4 } });
    assert.match(fresh ?? '', /^ {2}per_cache_factors:\n {4}"\*getEvent\*": 4\.0$/m);
    const existing = `${hs}caches:\n  global_factor: 0.5\n  expire_caches: true\n`;
    const out = withCacheFactor(existing, 1, 'x', { get_users_in_room: 2, '*getEvent*': 2 });
    assert.deepEqual(cacheFactorsOf(out ?? ''), {
      global: 1,
      perCache: { get_users_in_room: 2, '*getEvent*': 2 },
    });
    assert.match(out ?? '', /^ {2}expire_caches: true$/m);
  });

  it("the admin's own per_cache_factors: kept as they are, and never merged with ours", () => {
    const own = `${hs}caches:\n  per_cache_factors:\n    get_users_in_room: 3.0\n`;
    assert.deepEqual(cacheFactorsOf(withCacheFactor(own, 2, 'x') ?? ''), {
      global: 2,
      perCache: { get_users_in_room: 3 },
    });
    assert.equal(withCacheFactor(own, 2, 'x', { '*getEvent*': 4 }), undefined);
  });

  it('a layout it cannot edit safely is refused (undefined), not guessed', () => {
    assert.equal(withCacheFactor(`${hs}caches: {global_factor: 0.5}\n`, 2, 'x'), undefined);
  });
});
