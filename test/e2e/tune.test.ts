// mxctl tune against the real lab: a dry run changes nothing; apply sizes Synapse's cache factor
// and PostgreSQL's memory to a given host (8 GiB, 2 cores), restarts what needs it and the stack
// answers; a second apply and a revert of an edited file are refused; revert puts homeserver.yaml
// back byte for byte and every setting as it was; a cache made short of room by real reads gets a
// factor of its own, which Synapse runs with.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { psql } from '../../src/adapters/postgres.ts';
import { pathExists } from '../../src/adapters/fs.ts';
import { randomBytes } from 'node:crypto';
import { cacheFactorOf } from '../../src/core/scale/tuning.ts';
import { cacheStats, MIN_LOOKUPS } from '../../src/core/scale/cache-factors.ts';
import type { CacheStats } from '../../src/core/scale/cache-factors.ts';
import { parseExposition } from '../../src/core/check/prometheus.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import type { TuneReport } from '../../src/ops/scale/tune.ts';
import { pgOf } from './backup-fixtures.ts';

describe('tune in the lab', () => {
  let lab: Lab;
  let hsPath: string;
  let original: string;
  const tunables = [
    'shared_buffers',
    'effective_cache_size',
    'maintenance_work_mem',
    'work_mem',
    'wal_buffers',
    'max_wal_size',
  ];
  const settings = async () =>
    (
      await psql(
        pgOf(lab),
        `SELECT name, setting FROM pg_settings WHERE name IN (${tunables.map((n) => `'${n}'`).join(', ')}) ORDER BY name;`,
      )
    ).trim();
  let baseline: string;

  before(async () => {
    lab = await startLab();
    hsPath = join(lab.dir, 'synapse', 'homeserver.yaml');
    original = await readFile(hsPath, 'utf8');
    baseline = await settings();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('bad input and a dry run change nothing', async () => {
    const bad = await lab.mxctl(['tune', 'apply', '--memory', 'lots', '--yes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /a size like 8G/);
    const none = await lab.mxctl(['tune', 'revert', '--yes']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No tuning to take back/);
    const dry = await lab.mxctl(['tune', 'apply', '--memory', '8G', '--cores', '2', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const r = JSON.parse(dry.stdout) as TuneReport;
    assert.equal(r.dryRun, true);
    assert.equal(r.synapse.from, undefined, 'Synapse runs with its default factor');
    assert.equal(r.synapse.to, 2);
    assert.ok(r.postgres.some((c) => c.name === 'shared_buffers' && c.to === '512MB' && c.restart));
    assert.match(r.diff, /\+caches:/);
    assert.equal(await readFile(hsPath, 'utf8'), original);
    assert.equal(await settings(), baseline);
    assert.equal(await pathExists(join(lab.dir, 'state', 'tune.json')), false);
  });

  it('apply: the settings are live, Synapse runs with the new factor and answers', async (t) => {
    const x = await lab.mxctl(['tune', 'apply', '--memory', '8G', '--cores', '2', '--yes', '--json']);
    assert.equal(x.code, 0, x.stderr);
    const r = JSON.parse(x.stdout) as TuneReport;
    t.diagnostic(`applied in ${r.seconds.toFixed(1)} s, restarted ${r.restarted.join(', ')}`);
    assert.deepEqual(r.restarted, ['postgres', 'synapse']);
    const live = (
      await psql(pgOf(lab), "SELECT current_setting('shared_buffers'), current_setting('work_mem');")
    ).trim();
    assert.equal(live, '512MB|5242kB');
    assert.equal(cacheFactorOf(await readFile(hsPath, 'utf8')), 2);
    const v = await lab.admin.call<{ server_version: string }>('GET', '/_synapse/admin/v1/server_version');
    assert.match(v.server_version, /^\d/);
    const again = await lab.mxctl(['tune', 'apply', '--yes']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /applied already/);
  });

  it('revert: refused while homeserver.yaml was edited since; then byte for byte as before', async () => {
    const tuned = await readFile(hsPath, 'utf8');
    await writeFile(hsPath, `${tuned}# an admin's edit\n`);
    const refused = await lab.mxctl(['tune', 'revert', '--yes']);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /edited after `mxctl tune apply`/);
    await writeFile(hsPath, tuned);
    const x = await lab.mxctl(['tune', 'revert', '--yes', '--json']);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(await readFile(hsPath, 'utf8'), original, 'homeserver.yaml is byte-identical');
    assert.equal(await settings(), baseline, 'every setting as it was');
    assert.equal(await pathExists(join(lab.dir, 'state', 'tune.json')), false);
    const v = await lab.admin.call<{ server_version: string }>('GET', '/_synapse/admin/v1/server_version');
    assert.match(v.server_version, /^\d/);
  });

  it("a cache short of room in Synapse's own metrics gets a factor of its own: Synapse runs with it; revert takes it back", async (t) => {
    // A tiny global factor makes the event cache (10K entries × the factor) smaller than what a
    // user reading a room back asks of it: real lookups, misses and evictions, not a made-up metric.
    const tiny = `${original}caches:\n  global_factor: 0.01\n`;
    await writeFile(hsPath, tiny);
    try {
      assert.equal((await lab.mxctl(['restart', 'synapse'])).code, 0);
      const metrics = async () =>
        cacheStats(parseExposition(await (await fetch(`http://${lab.address}:9000/_synapse/metrics`)).text()).samples);
      const password = randomBytes(12).toString('hex');
      const id = `@reader:${lab.settings.MX_SERVER_NAME}`;
      await lab.admin.call('PUT', `/_synapse/admin/v2/users/${encodeURIComponent(id)}`, { password });
      await lab.admin.call('POST', `/_synapse/admin/v1/users/${encodeURIComponent(id)}/override_ratelimit`, {
        messages_per_second: 0,
        burst_count: 0,
      });
      const reader = await MatrixUser.login(
        `https://${lab.settings.MX_MATRIX_HOST}`,
        lab.publicHttp,
        'reader',
        password,
      );
      const room = await reader.createRoom('cache');
      for (let n = 0; n < 150; n++) await reader.send(room, `line ${n}`);
      // The whole room back, page by page: ~160 events cycling through a cache of ~100 miss every
      // time (the latest 100 alone would fit, and hit).
      const readAll = async () => {
        let from = '';
        for (let page = 0; page < 10; page++) {
          const r = await reader.request(
            'GET',
            `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50${from}`,
          );
          const end = r.json['end'];
          if (typeof end !== 'string' || (r.json['chunk'] as unknown[]).length === 0) return;
          from = `&from=${encodeURIComponent(end)}`;
        }
      };
      let event: CacheStats | undefined;
      for (let round = 0; round < 30; round++) {
        await readAll();
        event = (await metrics()).find((c) => c.name === '*getEvent*');
        if (event !== undefined && event.lookups >= MIN_LOOKUPS * 2 && event.hits / event.lookups < 0.5) break;
      }
      t.diagnostic(`*getEvent* after reading the room back: ${JSON.stringify(event)}`);
      const x = await lab.mxctl(['tune', 'apply', '--memory', '8G', '--cores', '2', '--yes', '--json']);
      assert.equal(x.code, 0, x.stderr);
      const r = JSON.parse(x.stdout) as TuneReport;
      // Others may be short of room too at a factor of 0.01; the event cache is, for certain.
      assert.ok(
        r.synapse.perCache.some((c) => c.name === '*getEvent*' && c.factor === 4),
        JSON.stringify(r.synapse),
      );
      assert.ok(r.synapse.perCache.length <= 5 && r.synapse.perCache.every((c) => c.factor === 4));
      assert.match(r.diff, /\+ {2}per_cache_factors:\n(\+ {4}.*\n)*\+ {4}"\*getEvent\*": 4\.0/);
      // Synapse runs with it: its event cache is now event_cache_size (10K, 10,240 entries) × 4.
      const after = await metrics();
      assert.equal(after.find((c) => c.name === '*getEvent*')?.maxSize, 10_240 * 4);
      const x2 = await lab.mxctl(['tune', 'revert', '--yes']);
      assert.equal(x2.code, 0, x2.stderr);
      assert.equal(await readFile(hsPath, 'utf8'), tiny, 'byte for byte as before the apply');
    } finally {
      await writeFile(hsPath, original);
      await lab.mxctl(['restart', 'synapse']);
    }
  });
});
