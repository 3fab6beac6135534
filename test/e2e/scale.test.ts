// mxctl scale against the real lab (one lab for the file):
// - an idle lab: every signal quiet, with values read from Synapse, PostgreSQL's cgroup, the disks
//   and user_ips;
// - real load: seven users log in and send a burst through the client API (HTTPS, nginx) while
//   the check samples: concurrent users fires from Synapse's user_ips (threshold lowered with
//   --threshold to what fits this machine: the seed's 500 users do not), and the event-send p99
//   is read from the real sends;
// - what cannot be reached here (2 GB of Synapse RSS, 70 % PostgreSQL CPU, 30 s federation lag,
//   80 % disk, a 5 s send p99) from a fault-injecting exposition served on the lab's address:
//   each fires, and its action's diff is the expected one (tune's own dry run, the retention diff
//   with the lab's real disk breakdown, the worker presets); a one-scrape spike does not fire;
// - scale export kubernetes: the files, no secret of .env or the signing key in them, every
//   MIGRATION.md command; bad input changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFile, chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { uploadMedia } from './backup-fixtures.ts';
import { createCompose } from '../../src/adapters/compose.ts';
import { createPostgres } from '../../src/adapters/postgres.ts';
import { SynapseClient } from '../../src/adapters/synapse.ts';
import { fileLocker } from '../../src/adapters/lock.ts';
import { systemClock } from '../../src/adapters/clock.ts';
import { quietProgress } from '../../src/ops/deps.ts';
import { loadDeployment } from '../../src/ops/deployment.ts';
import { scaleCheck } from '../../src/ops/scale/check.ts';
import type { ScaleCheckDeps, ScaleCheckReport } from '../../src/ops/scale/check.ts';
import { PrometheusHistory, SamplingHistory } from '../../src/ops/scale/history.ts';
import { expositionScrape } from '../../src/ops/scale/scrapes.ts';
import { applyTuning } from '../../src/ops/scale/tune.ts';
import { SECRET_KEYS, SUPPLIED_SECRET_KEYS } from '../../src/core/settings.ts';
import { signingKeyFile } from '../../src/core/templates/homeserver.ts';
import { migrationCommands } from '../../src/core/scale/migration-guide.ts';

const exec = promisify(execFile);
const GiB = 1024 ** 3;
const HOST = { memoryBytes: 8 * GiB, cores: 2 };

/** Prometheus text a test controls: Synapse-like under overload, or calm but for one scrape. */
function faultExposition(mode: 'overload' | 'spike', scrape: number, elapsedS: number): string {
  const high = mode === 'overload' || scrape === 2;
  const cpu = mode === 'overload' ? 0.8 * HOST.cores * elapsedS : 0.1 * elapsedS;
  const sends = scrape * 10;
  const slow = high ? sends : 0;
  const bucket = (le: string, n: number) =>
    `synapse_http_server_response_time_seconds_bucket{servlet="RoomSendEventRestServlet",code="200",method="PUT",le="${le}"} ${n}`;
  const sync = (le: string, n: number) =>
    `synapse_http_server_response_time_seconds_bucket{servlet="SyncRestServlet",tag="sync_v2:initial_sync",code="200",method="GET",le="${le}"} ${n}`;
  return [
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${high ? 2.5 * GiB : 0.3 * GiB}`,
    `container_cpu_usage_seconds_total{name="postgres"} ${cpu}`,
    `machine_cpu_cores ${HOST.cores}`,
    `node_filesystem_size_bytes{mountpoint="/srv"} 1000`,
    `node_filesystem_avail_bytes{mountpoint="/srv"} ${high ? 100 : 700}`,
    `synapse_event_processing_lag{name="federation_sender"} ${high ? 45_000 : 0}`,
    `synapse_event_persisted_position 500`,
    `synapse_event_processing_positions{name="federation_sender"} ${high ? 400 : 500}`,
    bucket('0.5', sends - slow),
    bucket('10.0', sends),
    bucket('+Inf', sends),
    sync('10.0', scrape * 2 - (high ? scrape : 0)),
    sync('+Inf', scrape * 2),
    `synapse_http_server_response_time_seconds_count{servlet="SyncRestServlet",tag="sync_v2:initial_sync",code="200",method="GET"} ${scrape * 2}`,
    '',
  ].join('\n');
}

describe('mxctl scale in the lab', () => {
  let lab: Lab;
  let d: ScaleCheckDeps;
  let fault: Server;
  let faultMode: 'overload' | 'spike' = 'overload';
  let faultScrapes = 0;
  let faultStart = Date.now();
  const fileStarted = Date.now();

  before(async () => {
    lab = await startLab();
    const deployment = await loadDeployment({ dir: lab.dir });
    d = {
      deployment,
      compose: createCompose(deployment.composeDir),
      postgres: createPostgres({
        composeDir: deployment.composeDir,
        user: lab.settings.POSTGRES_USER,
        db: lab.settings.POSTGRES_DB,
      }),
      synapse: new SynapseClient({ baseUrl: `http://${lab.address}:${lab.settings.SYNAPSE_LOCAL_PORT}` }),
      lock: fileLocker,
      clock: systemClock,
      progress: quietProgress,
      approve: () => Promise.resolve(),
    };
    fault = createServer((_req, res) => {
      faultScrapes++;
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(faultExposition(faultMode, faultScrapes, (Date.now() - faultStart) / 1000));
    });
    // NOTE: the lab's own loopback address, never 0.0.0.0.
    await new Promise<void>((r) => fault.listen(0, lab.address, r));
  });
  after(async () => {
    fault?.close();
    await lab?.destroy();
    process.stderr.write(`scale.test.ts: ${((Date.now() - fileStarted) / 1000).toFixed(0)} s wall, lab included\n`);
  });

  const faultUrl = () => `http://${lab.address}:${(fault.address() as AddressInfo).port}/metrics`;
  const injected = (mode: 'overload' | 'spike', windowMs: number) => {
    faultMode = mode;
    faultScrapes = 0;
    faultStart = Date.now();
    const sampling = new SamplingHistory({
      windowMs,
      sources: [expositionScrape(faultUrl())],
      clock: systemClock,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    return scaleCheck({ windowMs, host: HOST, history: [sampling] }, d);
  };
  const get = (r: ScaleCheckReport, id: string) => {
    const s = r.signals.find((x) => x.id === id);
    assert.ok(s, id);
    return s;
  };

  it('an idle lab: every signal quiet, with values from the real stack; exit 0 (a dead PROMETHEUS_URL said, sampled instead)', async (t) => {
    // NOTE: three messages before the window (the federation sender's lag gauge appears with its first batch).
    const admin = JSON.parse(await readFile(join(lab.dir, 'state', 'admin.json'), 'utf8')) as { access_token: string };
    const me = new MatrixUser(`https://${lab.settings.MX_MATRIX_HOST}`, lab.publicHttp, admin.access_token);
    const room = await me.createRoom('idle');
    for (let i = 0; i < 3; i++) await me.send(room, `hello ${i}`);
    await new Promise((r) => setTimeout(r, 3000));
    // A PROMETHEUS_URL that does not answer is said, and every signal sampled instead.
    const env = join(lab.dir, '.env');
    const envBefore = await readFile(env, 'utf8');
    await appendFile(env, `PROMETHEUS_URL=http://${lab.address}:9/\n`);
    const x = await lab
      .mxctl(['scale', 'check', '--window', '30s', '--json'])
      .finally(() => writeFile(env, envBefore, { mode: 0o600 }));
    assert.equal(x.code, 0, x.stderr);
    const r = JSON.parse(x.stdout) as ScaleCheckReport;
    assert.match(r.notes.join(' '), /PROMETHEUS_URL does not answer/);
    assert.match(r.sources.join(' '), /^sampled now/);
    t.diagnostic(`idle check: ${r.seconds.toFixed(1)} s, ${r.sources.join('; ')}`);
    for (const s of r.signals)
      t.diagnostic(`${s.id}: ${s.verdict} ${String(s.current)} (${s.readings} readings, ${s.source ?? 'no source'})`);
    for (const s of r.signals) assert.ok(['quiet', 'unknown'].includes(s.verdict), `${s.id}: ${s.summary}`);
    for (const id of ['synapse_rss', 'postgres_cpu', 'disk_used', 'active_users']) {
      const s = get(r, id);
      assert.equal(s.verdict, 'quiet', id);
      assert.equal(typeof s.current, 'number', `${id} has a value`);
      // NOTE: five readings when each scrape keeps to its slot; a slow machine may push the first out of the window.
      assert.ok(s.readings >= 3, `${id}: ${s.readings} readings`);
    }
    assert.equal(get(r, 'federation_lag').verdict, 'quiet', get(r, 'federation_lag').summary);
    assert.ok(Number(get(r, 'synapse_rss').current) > 50 * 1024 ** 2, 'a real Synapse RSS');
    assert.deepEqual(r.actions, []);
  });

  it('real load: seven users sending through the client API fire concurrent users (user_ips); sends are timed', async (t) => {
    const admin = JSON.parse(await readFile(join(lab.dir, 'state', 'admin.json'), 'utf8')) as { access_token: string };
    const base = `https://${lab.settings.MX_MATRIX_HOST}`;
    const owner = new MatrixUser(base, lab.publicHttp, admin.access_token);
    const room = await owner.createRoom('load');
    const users: MatrixUser[] = [];
    for (let i = 0; i < 7; i++) {
      const name = `load${i}`;
      // NOTE: shared-secret registration returns a real login (client logins are rate-limited per address).
      const login = await d.synapse.registerWithSharedSecret({
        sharedSecret: lab.settings.REGISTRATION_SHARED_SECRET,
        username: name,
        password: randomBytes(12).toString('hex'),
        admin: false,
      });
      await lab.admin.call('POST', `/_synapse/admin/v1/join/${encodeURIComponent(room)}`, { user_id: login.user_id });
      users.push(new MatrixUser(base, lab.publicHttp, login.access_token));
    }
    let sent = 0;
    let stop = false;
    // Each user sends every 4 s: within Synapse's default message rate limit (a burst of 10, then 0.2/s).
    const burst = Promise.all(
      users.map(async (u, i) => {
        while (!stop) {
          await u.send(room, `load ${i} ${sent}`);
          sent++;
          await new Promise((r) => setTimeout(r, 4000));
        }
      }),
    );
    // NOTE: Synapse writes user_ips in batches every few seconds: the first reading must see them.
    await new Promise((r) => setTimeout(r, 8000));
    const x = await lab.mxctl(['scale', 'check', '--window', '15s', '--threshold', 'active_users=5', '--json']);
    stop = true;
    await burst;
    assert.equal(x.code, 1, x.stderr);
    const r = JSON.parse(x.stdout) as ScaleCheckReport;
    const users_ = get(r, 'active_users');
    t.diagnostic(
      `${sent} messages sent; active users ${String(users_.current)}, held ${users_.heldMs} ms; send p99 ${String(get(r, 'event_send_p99').current)} s`,
    );
    assert.equal(users_.verdict, 'fired', users_.summary);
    assert.ok(Number(users_.current) >= 7);
    assert.equal(users_.threshold, 5);
    const send = get(r, 'event_send_p99');
    assert.equal(typeof send.peak, 'number', 'the burst was timed by Synapse');
    assert.notEqual(send.verdict, 'fired');
    const action = r.actions.find((a) => a.trigger === 'concurrent_users');
    assert.ok(action);
    assert.deepEqual(action.commands, [
      'mxctl scale workers --preset users --dry-run',
      'mxctl scale workers --preset users',
    ]);
    assert.ok(sent >= 7);
  });

  it('injected overload fires the rest, each with its exact action; a one-scrape spike does not fire', async (t) => {
    const mxc = await uploadMedia(lab, randomBytes(300_000), 'big.bin');
    assert.match(mxc, /^mxc:/);
    const r = await injected('overload', 10_000);
    t.diagnostic(r.signals.map((s) => `${s.id}=${s.verdict}`).join(' '));
    for (const id of [
      'synapse_rss',
      'postgres_cpu',
      'disk_used',
      'federation_lag',
      'event_send_p99',
      'slow_initial_syncs',
    ])
      assert.equal(get(r, id).verdict, 'fired', `${id}: ${get(r, id).summary}`);
    assert.ok(Math.abs(Number(get(r, 'postgres_cpu').current) - 0.8) < 0.1, 'PostgreSQL CPU read as a rate');
    assert.equal(r.exitCode, 1);
    const by = (trigger: string) => {
      const a = r.actions.find((x) => x.trigger === trigger);
      assert.ok(a, trigger);
      return a;
    };
    const tune = await applyTuning({ host: HOST, dryRun: true }, d);
    assert.equal(by('synapse_ram').diff, tune.diff, "Synapse RAM: tune's own diff");
    assert.match(tune.diff, /\+ {2}global_factor: 2\.0/);
    assert.equal(by('postgres_cpu').diff, tune.diff);
    assert.ok(by('postgres_cpu').details.some((l) => /shared_buffers: \S+ -> 512MB \(restart\)/.test(l)));
    const disk = by('disk');
    assert.match(disk.diff, /\+media_retention:\n\+ {2}remote_media_lifetime: 90d/);
    assert.ok((disk.breakdown?.localMediaBytes ?? 0) >= 300_000, 'the upload counted as local media');
    assert.equal(disk.breakdown?.remoteMediaBytes, 0);
    assert.ok((disk.breakdown?.databaseBytes ?? 0) > 1024 ** 2, 'the real database size');
    assert.ok(disk.commands.includes('mxctl media purge-remote --older-than 30d'));
    assert.deepEqual(by('federation_lag').commands[1], 'mxctl scale workers --preset federation');
    assert.deepEqual(by('sync').commands[1], 'mxctl scale workers --preset users');

    const printed = JSON.stringify(r);
    for (const k of [...SECRET_KEYS, ...SUPPLIED_SECRET_KEYS])
      if (String(lab.settings[k]).length >= 8)
        assert.ok(!printed.includes(String(lab.settings[k])), `${k} shown in a diff`);
    assert.match(disk.diff, /REDACTED/, 'the context lines beside the secrets are redacted');

    const spike = await injected('spike', 10_000);
    for (const id of ['synapse_rss', 'disk_used', 'federation_lag'])
      assert.equal(get(spike, id).verdict, 'spike', `${id}: ${get(spike, id).summary}`);
    assert.deepEqual(spike.actions, []);
    assert.equal(spike.exitCode, 0);
  });

  it("a real Prometheus (the lab's image) scraping the injected overload: the window read with query_range", async (t) => {
    faultMode = 'overload';
    faultScrapes = 0;
    faultStart = Date.now();
    const work = await mkdtemp(join(tmpdir(), 'mx-prom-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const name = `mx-scale-prom-${port}`;
    try {
      const target = faultUrl()
        .replace(/^http:\/\//, '')
        .replace('/metrics', '');
      await writeFile(
        join(work, 'prometheus.yml'),
        `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: synapse\n    static_configs: [{targets: ['${target}']}]\n`,
      );
      await chmod(work, 0o755);
      await chmod(join(work, 'prometheus.yml'), 0o644);
      await exec('docker', [
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'host',
        '-v',
        `${work}:/etc/prometheus:ro`,
        'element-matrix-lab/prometheus:lab',
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.path=/prometheus',
        `--web.listen-address=${lab.address}:${port}`,
      ]);
      // NOTE: the first point of a 30 s window (a step of 15 s before it) needs 45 s of scrapes.
      await new Promise((r) => setTimeout(r, 50_000));
      const prom = new PrometheusHistory(`http://${lab.address}:${port}`, systemClock);
      const r = await scaleCheck({ windowMs: 30_000, host: HOST, history: [prom] }, d);
      t.diagnostic(r.signals.map((s) => `${s.id}=${s.verdict}/${s.readings}/${String(s.current)}`).join(' '));
      assert.deepEqual(r.sources, [`Prometheus at ${lab.address}:${port}`]);
      for (const id of ['synapse_rss', 'federation_lag', 'event_send_p99', 'slow_initial_syncs']) {
        assert.equal(get(r, id).verdict, 'fired', `${id}: ${get(r, id).summary}`);
        assert.equal(get(r, id).source, prom.source);
      }
      // NOTE: rate()[2m] over a Prometheus a minute old is extrapolated low: read from it, not judged here.
      assert.equal(get(r, 'postgres_cpu').source, prom.source);
      assert.ok(Number(get(r, 'postgres_cpu').current) > 0.1);
      assert.equal(
        get(r, 'active_users').source,
        null,
        "users come from Synapse's database (user_ips), not Prometheus",
      );
    } finally {
      await exec('docker', ['rm', '-f', name]).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    }
  });

  it('export kubernetes: values and MIGRATION.md with no secret, every command there; bad input changes nothing', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mx-k8s-'));
    try {
      const dir = join(out, 'export');
      const x = await lab.mxctl(['scale', 'export', 'kubernetes', '--out', dir, '--json']);
      assert.equal(x.code, 0, x.stderr);
      assert.deepEqual((await readdir(dir)).sort(), ['MIGRATION.md', 'values.yaml']);
      const values = await readFile(join(dir, 'values.yaml'), 'utf8');
      const guide = await readFile(join(dir, 'MIGRATION.md'), 'utf8');
      const v = parseYaml(values) as { serverName: string; synapse: { signingKey: unknown } };
      assert.equal(v.serverName, lab.settings.MX_SERVER_NAME);
      assert.deepEqual(v.synapse.signingKey, { secret: 'mxctl-synapse', secretKey: 'signing.key' });
      const key = (
        await readFile(join(lab.dir, 'synapse', signingKeyFile(lab.settings.MX_SERVER_NAME)), 'utf8')
      ).trim();
      const secrets = [
        ...[...SECRET_KEYS, ...SUPPLIED_SECRET_KEYS].map((k) => String(lab.settings[k])),
        key,
        key.split(' ').at(-1) ?? key,
      ].filter((s) => s.length >= 8);
      for (const s of secrets) {
        assert.ok(!values.includes(s), 'a secret in values.yaml');
        assert.ok(!guide.includes(s), 'a secret in MIGRATION.md');
      }
      const commands = migrationCommands({
        settings: lab.settings,
        root: lab.dir,
        valuesPath: join(dir, 'values.yaml'),
        withheld: [],
        unmatchedWorkers: [],
      });
      for (const c of Object.values(commands).flat()) assert.ok(guide.includes(c), `MIGRATION.md: ${c}`);

      const again = await lab.mxctl(['scale', 'export', 'kubernetes', '--out', dir]);
      assert.equal(again.code, 3);
      assert.match(again.stderr, /not empty/);
      const helm = await lab.mxctl(['scale', 'export', 'helm', '--out', join(out, 'other')]);
      assert.equal(helm.code, 2);
      assert.match(helm.stderr, /Unknown export target/);
      assert.deepEqual((await readdir(out)).sort(), ['export']);
      const w = await lab.mxctl(['scale', 'check', '--window', 'forever']);
      assert.equal(w.code, 2);
      assert.match(w.stderr, /a duration like 30m/);
      const th = await lab.mxctl(['scale', 'check', '--threshold', 'ram=3']);
      assert.equal(th.code, 2);
      assert.match(th.stderr, /SIGNAL=NUMBER/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
