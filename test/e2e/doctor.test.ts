// mxctl doctor against the real lab: a healthy stack is all ok (and fast); then one injected
// fault at a time must be named with its cause and fix, and the stack restored after each.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile, mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import type { DoctorReport } from '../../src/ops/doctor/doctor.ts';
import type { Finding } from '../../src/core/doctor/finding.ts';
import { SECRET_KEYS } from '../../src/core/settings.ts';

const exec = promisify(execFile);

describe('doctor in the lab', () => {
  let lab: Lab;
  const compose = (...args: string[]) =>
    exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose'), timeout: 300_000 });

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.destroy();
  });

  async function doctor(
    ...extra: string[]
  ): Promise<{ code: number; report: DoctorReport; find: (id: string) => Finding | undefined }> {
    const r = await lab.mxctl(['doctor', '--json', ...extra]);
    const report = JSON.parse(r.stdout) as DoctorReport;
    return { code: r.code, report, find: (id) => report.findings.find((f) => f.id === id) };
  }

  it('a healthy lab: every finding ok; the bundle holds no secret', async (t) => {
    const started = Date.now();
    const { code, report } = await doctor();
    // NOTE: a figure, not an assertion: timings belong in benchmarks, not in tests.
    t.diagnostic(`doctor on a healthy lab: ${Date.now() - started} ms wall (checks ${report.durationMs} ms)`);
    assert.deepEqual(
      report.findings.filter((f) => f.status !== 'ok').map((f) => f.summary),
      [],
    );
    assert.equal(code, 0);
    const dir = await mkdtemp(join(tmpdir(), 'mxctl-bundle-test-'));
    try {
      const r = await lab.mxctl(['doctor', '--bundle', join(dir, 'b.tgz')]);
      assert.equal(r.code, 0, r.stderr);
      await exec('tar', ['-C', dir, '-xzf', join(dir, 'b.tgz')]);
      const files = (await exec('find', [join(dir, 'bundle'), '-type', 'f'])).stdout.trim().split('\n');
      assert.ok(files.some((f) => f.endsWith('config/synapse/homeserver.yaml')));
      assert.ok(files.some((f) => f.endsWith('logs/synapse.log')));
      const state = JSON.parse(await readFile(join(lab.dir, 'state', 'admin.json'), 'utf8')) as {
        access_token: string;
        password: string;
      };
      const secrets = [...SECRET_KEYS.map((k) => lab.settings[k]), state.access_token, state.password];
      for (const f of files) {
        const text = await readFile(f, 'utf8');
        for (const s of secrets) assert.ok(!text.includes(s), `a secret leaked into ${f}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Postgres stopped: named, with the fix; once it is back, its log lines are history', async () => {
    await compose('stop', 'postgres');
    try {
      // NOTE: a request that needs the database makes Synapse log the outage at once, rather
      // than waiting for one of its background jobs to hit it.
      await lab.admin.whoami().catch(() => undefined);
      let seen = await doctor();
      for (let i = 0; i < 10 && seen.find('synapse.log')?.status !== 'fail'; i++) {
        await new Promise((r) => setTimeout(r, 2_000));
        seen = await doctor();
      }
      const { code, find } = seen;
      assert.equal(code, 1);
      assert.equal(find('stack.postgres')?.status, 'fail');
      assert.match(find('db.ready')?.summary ?? '', /PostgreSQL is not running/);
      assert.ok(find('db.ready')?.fix);
      const log = find('synapse.log');
      assert.equal(log?.status, 'fail', log?.summary);
      assert.match(
        log?.summary ?? '',
        /ERROR\/CRITICAL line\(s\) in Synapse's log (in the last 15 min|since Synapse started at \S+), newest at \d\d:\d\d:\d\dZ/,
      );
    } finally {
      await compose('start', 'postgres');
      await compose('up', '-d', '--wait');
    }
    // Recovered: with a short window (instead of the default 15 minutes) the outage's lines age
    // out of it within seconds; Synapse may still log a few while it reconnects, so poll.
    let after = await doctor('--log-window', '10s');
    for (let i = 0; i < 15 && after.find('synapse.log')?.status !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 2_000));
      after = await doctor('--log-window', '10s');
    }
    const log = after.find('synapse.log');
    assert.equal(log?.status, 'ok', log?.summary);
    assert.match(log?.summary ?? '', /in the last 10 s; history: \d+ older line\(s\), newest at \d{4}-\d\d-\d\dT/);
    assert.ok(log?.evidence.some((e) => e.startsWith('history: ')));
    assert.deepEqual(
      after.report.findings.filter((f) => f.status !== 'ok').map((f) => f.summary),
      [],
    );
    assert.equal(after.code, 0);
  });

  it('a YAML syntax error in homeserver.yaml: the line is named and Synapse crash-loops', async () => {
    const path = join(lab.dir, 'synapse', 'homeserver.yaml');
    const good = await readFile(path, 'utf8');
    await writeFile(path, good.replace('enable_registration: true', 'enable_registration: [true'));
    try {
      await compose('restart', 'synapse');
      // NOTE: polled, not a fixed wait: on a loaded machine Synapse takes a while to reach the
      // config and exit, and until then doctor rightly reports it as "still starting".
      let seen = await doctor();
      for (
        let i = 0;
        i < 30 && !/crash-looping|restarting|exited|unhealthy/.test(seen.find('stack.synapse')?.summary ?? '');
        i++
      ) {
        await new Promise((r) => setTimeout(r, 3_000));
        seen = await doctor();
      }
      const { code, find } = seen;
      assert.equal(code, 1);
      assert.match(find('synapse.config')?.summary ?? '', /does not parse: .*line \d+/);
      assert.match(find('stack.synapse')?.summary ?? '', /crash-looping|restarting|exited|unhealthy/);
    } finally {
      await writeFile(path, good);
      await compose('restart', 'synapse');
      await compose('up', '-d', '--wait');
    }
  });

  it('the Synapse port held by another process: the holder is named', async () => {
    await compose('stop', 'synapse');
    // NOTE: nginx proxies to this port; drop what connects, or close() would wait for it forever.
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => blocker.listen(8008, lab.address, r));
    try {
      const { code, find } = await doctor();
      assert.equal(code, 1);
      assert.match(
        find('stack.ports')?.summary ?? '',
        new RegExp(`${lab.address.replaceAll('.', '\\.')}:8008 \\(needed by synapse\\) is held by node`),
      );
      assert.equal(find('stack.synapse')?.status, 'fail');
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
      await compose('up', '-d', '--wait');
    }
  });

  it('a nearly full filesystem under the media store: fail over 90 %', async () => {
    const media = join(lab.dir, 'synapse', 'media_store');
    const mnt = join(media, '..', 'media_store');
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    try {
      await mkdir(mnt, { recursive: true });
      await writeFile(join(mnt, 'filler'), Buffer.alloc(3_900_000));
      const { find } = await doctor();
      const disk = find('disk.media');
      assert.equal(disk?.status, 'fail', disk?.summary);
      assert.match(disk?.summary ?? '', /9\d% full/);
      assert.ok(disk?.fix);
    } finally {
      await exec('umount', [mnt]);
    }
  });

  it('all database connection slots held: fail, naming who holds them', async () => {
    const u = lab.settings.POSTGRES_USER;
    const db = lab.settings.POSTGRES_DB;
    await compose('exec', '-T', 'postgres', 'psql', '-U', u, '-d', db, '-c', 'CREATE ROLE hog LOGIN');
    // Detached: the sleeping sessions outlive this exec, as a runaway client's would. Each
    // hog retries (bounded) so a slot Synapse's pool lets go of is taken again, as it would
    // be by a real runaway client; otherwise the count can settle one short of full.
    const hog = `for j in $(seq 1 120); do psql -U hog -d ${db} -c 'select pg_sleep(300)' && break; sleep 0.5; done`;
    await compose(
      'exec',
      '-d',
      'postgres',
      'sh',
      '-c',
      `for i in $(seq 1 100); do (${hog}) >/dev/null 2>&1 & done; wait`,
    );
    try {
      let finding: Finding | undefined;
      for (let i = 0; i < 20 && finding?.status !== 'fail'; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        finding = (await doctor()).find('db.connections');
      }
      assert.equal(finding?.status, 'fail', finding?.summary);
      assert.match(finding?.summary ?? '', /connection slots are exhausted/);
      assert.ok(
        finding?.evidence.some((e) => e.includes('(hog)')),
        finding?.evidence.join('\n'),
      );
      assert.match(finding?.fix ?? '', /restart synapse/);
    } finally {
      // The hogs may hold every slot, the superuser's reserved ones included (Synapse's pool runs
      // as that user): a new connection would be refused ("too many clients"; CI saw it). So they
      // are ended from inside the container first: the retry loops and their psql clients, then
      // each hog backend with SIGTERM, what pg_terminate_backend sends (a client gone does not end
      // a backend sleeping in pg_sleep). The pattern is split so this script never matches itself.
      const endHogs = [
        's="pg_sleep(3"; s="${s}00)"',
        'for p in /proc/[0-9]*; do',
        `  case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in *"$s"*) kill -KILL \${p#/proc/} 2>/dev/null;; esac`,
        'done',
        'for p in /proc/[0-9]*; do',
        `  case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in "postgres: "*"hog "*) kill -TERM \${p#/proc/} 2>/dev/null;; esac`,
        'done',
      ].join('\n');
      await compose('exec', '-T', 'postgres', 'sh', '-c', endHogs);
      // NOLOGIN first, so nothing left can come back once terminated.
      await compose('exec', '-T', 'postgres', 'psql', '-U', u, '-d', db, '-c', 'ALTER ROLE hog NOLOGIN');
      await compose(
        'exec',
        '-T',
        'postgres',
        'psql',
        '-U',
        u,
        '-d',
        db,
        '-c',
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'hog'",
      );
    }
  });

  it('a certificate about to expire served by nginx: fail, with the renewal fix', async () => {
    const live = join(lab.dir, 'certs', 'live', 'element-matrix');
    const saved = {
      chain: await readFile(join(live, 'fullchain.pem')),
      key: await readFile(join(live, 'privkey.pem')),
    };
    const names = [lab.settings.MX_SERVER_NAME, lab.settings.MX_MATRIX_HOST, lab.settings.MX_ELEMENT_HOST];
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=short',
      '-addext',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      '-keyout',
      join(live, 'privkey.pem'),
      '-out',
      join(live, 'fullchain.pem'),
    ]);
    try {
      await compose('exec', '-T', 'nginx', 'nginx', '-s', 'reload');
      await new Promise((r) => setTimeout(r, 1500));
      const { code, find } = await doctor();
      assert.equal(code, 1);
      const f = find(`tls.${lab.settings.MX_MATRIX_HOST}`);
      assert.equal(f?.status, 'fail');
      assert.match(f?.summary ?? '', /expires in .* \(under 3 days\)/);
      assert.match(f?.fix ?? '', /certbot renew/);
    } finally {
      await writeFile(join(live, 'fullchain.pem'), saved.chain);
      await writeFile(join(live, 'privkey.pem'), saved.key);
      await compose('exec', '-T', 'nginx', 'nginx', '-s', 'reload');
    }
  });
});
