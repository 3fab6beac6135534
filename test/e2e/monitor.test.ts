// `mxctl monitor run` in the lab, against real receivers on the lab's address (the webhook, ntfy
// with token auth, SMTP with STARTTLS and AUTH, the dead-man's ping): a healthy lab alerts nobody;
// Synapse stopped alerts once per signal on every channel and resolves once; a receiver that
// fails gets its alerts once when it is back; nginx stopped, Postgres stopped with a backup that
// failed, the media disk filled, and a certificate with little life left each alert once on
// every channel and resolve once; a kill -9 and a restart keep the history and the alert state
// (no second alert for a problem still firing); SIGTERM ends it with exit 0.
// One lab; the monitor runs fast (a pass every 3 s, 5 s windows).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { CA_FILE, MXCTL } from '../../lab/lab-stack.ts';
import { addPebbleProfile, issueLabCertificate, labCertbot } from '../../lab/lab-certs.ts';
import { startHttpReceiver, startNtfy, startSmtp } from '../../lab/receivers.ts';
import type { HttpReceiver, NtfyReceiver, SmtpReceiver } from '../../lab/receivers.ts';
import { formatSettings } from '../../src/core/settings.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { EXPORTED_METRICS } from '../../src/core/monitoring/exported-metrics.ts';
import type { Alert } from '../../src/core/alerts/alert.ts';
import type { StatusPageModel } from '../../src/core/monitor/status-model.ts';
import type { CheckReport } from '../../src/ops/check/check.ts';
import type { ScaleCheckReport } from '../../src/ops/scale/check.ts';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PORT = 9119;
/** What stopping Synapse makes wrong, each its own alert. */
const SYNAPSE_KEYS = ['stack.synapse', 'https.synapse_health', 'synapse.metrics'];

async function until(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

interface Monitor {
  child: ChildProcess;
  lines: string[];
  passes: () => number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('mxctl monitor run in the lab', () => {
  let lab: Lab;
  let ntfy: NtfyReceiver;
  let smtp: SmtpReceiver;
  let hook: HttpReceiver;
  let ping: HttpReceiver;
  let monitor: Monitor | undefined;
  const fileStarted = Date.now();
  const compose = (...args: string[]) =>
    exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose'), timeout: 300_000 });
  const base = () => `http://${lab.address}:${PORT}`;

  function startMonitor(): Monitor {
    const child = spawn(
      process.execPath,
      [MXCTL, '--dir', lab.dir, 'monitor', 'run', '--interval', '3', '--window', '5'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(l);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    return { child, lines, passes: () => lines.filter((l) => / pass \d+: /.test(l)).length, exited };
  }
  const log = () => monitor?.lines.join('\n') ?? '';
  async function passesMore(n: number): Promise<void> {
    const m = monitor as Monitor;
    const target = m.passes() + n;
    await until(`${n} more passes\n${log()}`, 180_000, () => m.passes() >= target);
  }

  // What each receiver got, as alerts (the webhook's JSON; ntfy's and the mail's headline).
  const hooked = (from = 0) =>
    hook.requests
      .slice(from)
      .filter((q) => q.path === '/hook')
      .map((q) => JSON.parse(q.body) as Alert);
  const count = (alerts: readonly Alert[], key: string, status: Alert['status']) =>
    alerts.filter((a) => a.key === key && a.status === status).length;
  const queueEmpty = async () =>
    !/^mxctl_monitor_alerts_queued\{[^}]*\} [1-9]/m.test(await (await fetch(`${base()}/metrics`)).text());
  const ntfyTitles = async () => (await ntfy.messages()).map((m) => m.title ?? '');
  const mailSubjects = async () => (await smtp.mails()).map((m) => /^Subject: (.*)$/m.exec(m)?.[1] ?? '');

  before(async () => {
    lab = await startLab();
    [ntfy, smtp, hook, ping] = await Promise.all([
      startNtfy(lab.address, 2587),
      startSmtp(lab.address, 2526),
      startHttpReceiver(lab.address),
      startHttpReceiver(lab.address),
    ]);
    await appendFile(join(lab.dir, CA_FILE), smtp.certificate);
    // A healthy lab has a backup (none at all is a warning, and backups alert at once).
    const backup = await lab.mxctl(['backup', '--local-only']);
    assert.equal(backup.code, 0, backup.stderr);
    const s = await readSettings(lab.dir);
    const env = formatSettings({
      ...s,
      ALERT_WEBHOOK_URL: `${hook.url}/hook`,
      ALERT_NTFY_URL: ntfy.topicUrl,
      ALERT_NTFY_TOKEN: ntfy.token,
      ALERT_EMAIL_TO: 'ops@lab.test',
      ALERT_EMAIL_FROM: 'mxctl@lab.test',
      ALERT_SMTP_HOST: smtp.host,
      ALERT_SMTP_PORT: smtp.port,
      ALERT_SMTP_SECURITY: 'starttls',
      ALERT_SMTP_USER: smtp.user,
      ALERT_SMTP_PASSWORD: smtp.password,
      ALERT_PING_URL: `${ping.url}/ping/abc`,
      ALERT_PING_MINUTES: 1,
      MONITOR_ADDRESS: lab.address,
      MONITOR_PORT: PORT,
    });
    await writeFile(join(lab.dir, '.env'), env, { mode: 0o600 });
  });
  after(async () => {
    if (monitor !== undefined && monitor.child.exitCode === null) {
      monitor.child.kill('SIGKILL');
      await monitor.exited;
    }
    await Promise.all([ntfy?.stop(), smtp?.stop(), hook?.stop(), ping?.stop()]);
    await lab?.destroy();
    // NOTE: a figure, not an assertion.
    process.stderr.write(`monitor.test.ts: ${((Date.now() - fileStarted) / 1000).toFixed(0)} s wall, lab included\n`);
  });

  it('a healthy lab: three passes, no alert anywhere, the ping sent; /metrics has every mxctl_* series', async () => {
    monitor = startMonitor();
    await passesMore(3);
    // The daemon runs with bin/mxctl.mjs's small young generation (the same pid: re-executed in
    // place); lite mode is a release's only (bench/monitor.ts), a checkout needs WebAssembly.
    const argv = (await readFile(`/proc/${monitor.child.pid}/cmdline`, 'utf8')).split('\0');
    assert.ok(argv.includes('--max-semi-space-size=4') && !argv.includes('--lite-mode'), argv.join(' '));
    assert.deepEqual(hooked(), [], log());
    assert.deepEqual(await ntfyTitles(), []);
    assert.deepEqual(await smtp.mails(), []);
    assert.ok(
      ping.requests.some((q) => q.path === '/ping/abc'),
      "the dead-man's switch was pinged",
    );
    const r = await fetch(`${base()}/metrics`);
    assert.equal(r.status, 200);
    const text = await r.text();
    for (const m of EXPORTED_METRICS)
      assert.match(text, new RegExp(`^${m.name}(\\{| )`, 'm'), `${m.name} has a sample`);
    assert.match(text, /^mxctl_disk_avail_bytes\{disk="media",path="[^"]+"\} \d+/m);
    assert.match(
      text,
      new RegExp(`^mxctl_cert_not_after_seconds\\{name="${lab.settings.MX_MATRIX_HOST}"\\} \\d+`, 'm'),
    );
    assert.match(text, /^mxctl_monitor_passes_total [3-9]/m);
    assert.match(text, /^mxctl_monitor_alerts_queued\{channel="webhook"\} 0$/m);
    // The status page, and its model as JSON.
    const model = (await (await fetch(`${base()}/status.json`)).json()) as StatusPageModel;
    assert.equal(model.level, 'ok');
    assert.deepEqual(model.alerts, []);
    assert.ok((model.series.find((s) => s.id === 'synapse.rss')?.points.length ?? 0) > 0);
    const page = await fetch(`${base()}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /data-level="ok"/);
    assert.ok(html.includes(lab.settings.MX_SERVER_NAME));
  });

  it("scale check reads Synapse's memory and the disks from the monitor's history, the rest sampled", async () => {
    const r = await lab.mxctl(['scale', 'check', '--window', '30s', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ScaleCheckReport;
    const source = (id: string) => report.signals.find((s) => s.id === id)?.source;
    assert.equal(source('synapse_rss'), "the monitor's history (state/monitor.db)", r.stdout);
    assert.equal(source('disk_used'), "the monitor's history (state/monitor.db)", r.stdout);
    assert.match(source('postgres_cpu') ?? '', /^sampled now/);
    assert.ok((report.signals.find((s) => s.id === 'synapse_rss')?.readings ?? 0) > 0);
  });

  it('Synapse stopped: one alert per signal on the webhook, ntfy and email; started again: one resolved each', async () => {
    await compose('stop', 'synapse');
    try {
      await until(`stack.synapse firing on the webhook\n${log()}`, 180_000, () =>
        hooked().some((a) => a.key === 'stack.synapse' && a.status === 'firing'),
      );
      await passesMore(3);
      const fired = new Set(hooked().map((a) => a.key));
      for (const key of ['https.synapse_health', 'synapse.metrics']) assert.ok(fired.has(key), [...fired].join(', '));
    } finally {
      await compose('start', 'synapse');
      await compose('up', '-d', '--wait');
    }
    await until(`every Synapse alert resolved\n${log()}`, 240_000, () =>
      SYNAPSE_KEYS.every((key) => count(hooked(), key, 'resolved') === 1),
    );
    await passesMore(2);
    await until('nothing queued', 60_000, queueEmpty);
    for (const key of SYNAPSE_KEYS) {
      assert.equal(count(hooked(), key, 'firing'), 1, key);
      assert.equal(count(hooked(), key, 'resolved'), 1, key);
    }
    // Whatever else fired meanwhile, once: no storm, and every channel got the same alerts.
    for (const key of new Set(hooked().map((a) => a.key))) assert.ok(count(hooked(), key, 'firing') <= 1, key);
    const titles = await ntfyTitles();
    const subjects = await mailSubjects();
    assert.equal(titles.length, hooked().length, titles.join('\n'));
    assert.equal(subjects.length, hooked().length, subjects.join('\n'));
    assert.equal(
      titles.filter((t) => t.startsWith('[RESOLVED]')).length,
      hooked().filter((a) => a.status === 'resolved').length,
    );
    assert.ok(
      subjects.some((t) => /\[FIRING critical\] .*Synapse/i.test(t)),
      subjects.join('\n'),
    );
  });

  it('a receiver that fails: its alerts queue (check reports them owed) and arrive once when it is back', async () => {
    const hookBefore = hook.requests.length;
    const ntfyBefore = (await ntfyTitles()).length;
    hook.answer(503);
    await compose('stop', 'synapse');
    let back = 0;
    try {
      await until(`ntfy got the new alerts\n${log()}`, 180_000, async () => (await ntfyTitles()).length > ntfyBefore);
      await until('the webhook was tried and refused', 60_000, () => hook.requests.length > hookBefore);
      await passesMore(2);
      const check = JSON.parse((await lab.mxctl(['check', '--json'])).stdout) as CheckReport;
      const owed = check.signals.find((s) => s.id === 'monitor.delivery');
      assert.ok(typeof owed?.value === 'number' && owed.value > 0, JSON.stringify(owed));
      assert.match(owed.summary, /owed on webhook/);
      assert.equal(hooked(hookBefore).length > 0, true, 'tries were made');
      back = hook.requests.length;
      hook.answer(200);
      await until(`the webhook got the queued alert\n${log()}`, 120_000, () =>
        hooked(back).some((a) => a.key === 'stack.synapse' && a.status === 'firing'),
      );
    } finally {
      hook.answer(200);
      await compose('start', 'synapse');
      await compose('up', '-d', '--wait');
    }
    await until(`resolved on the webhook\n${log()}`, 240_000, () =>
      SYNAPSE_KEYS.every((key) => count(hooked(back), key, 'resolved') === 1),
    );
    await passesMore(2);
    const got = hooked(back);
    for (const key of SYNAPSE_KEYS) {
      assert.equal(count(got, key, 'firing'), 1, `${key}: delivered once`);
      assert.equal(count(got, key, 'resolved'), 1, `${key}: resolved once`);
    }
    for (const key of new Set(got.map((a) => a.key))) assert.ok(count(got, key, 'firing') <= 1, key);
    // In order: a channel never gets a resolved before its firing.
    assert.ok(got.findIndex((a) => a.status === 'resolved') > got.findIndex((a) => a.status === 'firing'));
  });

  /**
   * One fault through the running monitor: `key` alerts once on the webhook, ntfy and email, and
   * once `fix` ran resolves once on each; nothing fires twice meanwhile.
   */
  async function faultAlertsOnce(
    key: string,
    inject: () => Promise<unknown>,
    fix: () => Promise<unknown>,
    /** Keys that fired with it and stay firing after `fix` (a failed backup needs a good one). */
    stays: readonly string[] = [],
  ) {
    const from = hook.requests.length;
    const [ntfyFrom, mailFrom] = [(await ntfyTitles()).length, (await smtp.mails()).length];
    await inject();
    try {
      await until(`${key} firing on the webhook\n${log()}`, 180_000, () =>
        hooked(from).some((a) => a.key === key && a.status === 'firing'),
      );
    } finally {
      await fix();
    }
    // Everything that fired with it resolves too (Synapse after its database came back): the
    // channels are compared once the stack is quiet, not while a late resolve is on its way.
    await until(`every alert since the fault resolved on the webhook\n${log()}`, 240_000, () => {
      const since = hooked(from);
      const fired = new Set(since.filter((a) => a.status === 'firing').map((a) => a.key));
      return [...fired].every((k) => stays.includes(k) || count(since, k, 'resolved') === 1) && fired.has(key);
    });
    await passesMore(2);
    await until('nothing queued', 60_000, queueEmpty);
    const got = hooked(from);
    assert.equal(count(got, key, 'firing'), 1, `${key}: one alert`);
    for (const k of new Set(got.map((a) => a.key))) assert.ok(count(got, k, 'firing') <= 1, `${k}: no storm`);
    const titles = (await ntfyTitles()).slice(ntfyFrom);
    const subjects = (await mailSubjects()).slice(mailFrom);
    assert.equal(titles.length, got.length, `ntfy got what the webhook got: ${titles.join(' | ')}`);
    assert.equal(subjects.length, got.length, `email got what the webhook got: ${subjects.join(' | ')}`);
    return got;
  }

  it('nginx stopped (the web client does not load): one alert on every channel, one resolved', async () => {
    const got = await faultAlertsOnce(
      'stack.nginx',
      () => compose('stop', 'nginx'),
      () => compose('up', '-d', '--wait'),
    );
    assert.ok(
      got.some((a) => a.key === 'https.element' && a.status === 'firing'),
      got.map((a) => a.key).join(', '),
    );
  });

  it('Postgres stopped, and a backup that failed meanwhile: each alerts once and resolves once', async () => {
    let failedBackup: { code: number; stderr: string } | undefined;
    const got = await faultAlertsOnce(
      'stack.postgres',
      async () => {
        await compose('stop', 'postgres');
        failedBackup = await lab.mxctl(['backup', '--local-only']);
      },
      () => compose('up', '-d', '--wait'),
      ['backup.last'],
    );
    assert.notEqual(failedBackup?.code, 0, 'the backup failed with Postgres down');
    assert.equal(count(got, 'backup.last', 'firing'), 1, got.map((a) => `${a.key} ${a.status}`).join(', '));
    // The next good backup clears it.
    const from = hook.requests.length;
    const good = await lab.mxctl(['backup', '--local-only']);
    assert.equal(good.code, 0, good.stderr);
    await until(`backup.last resolved\n${log()}`, 120_000, () => count(hooked(from), 'backup.last', 'resolved') === 1);
  });

  it('the media disk filled past 90 % (a small filesystem under the media store): one alert, one resolved', async () => {
    const media = join(lab.dir, 'synapse', 'media_store');
    const ballast = join(media, 'ballast');
    // NOTE: mounted on the host only (Docker's bind mounts do not propagate it into Synapse's
    // container): what check measures is the filesystem holding this path, as on a real server.
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', media]);
    try {
      await faultAlertsOnce(
        'disk.media',
        () => exec('dd', ['if=/dev/zero', `of=${ballast}`, 'bs=1M', 'count=15']),
        () => rm(ballast, { force: true }),
      );
    } finally {
      await exec('umount', [media]);
    }
  });

  it('a certificate with little life left (pebble profile of 4 minutes, not renewed): one alert on every channel; renewed: one resolved', async () => {
    // NOTE: a restarted pebble has a new root, which the CA file gets and a running mxctl read
    // at its start: the monitor is restarted around it (its state is on disk).
    const m = monitor as Monitor;
    m.child.kill('SIGTERM');
    assert.equal((await m.exited).code, 0, log());
    // A certificate with under 3 days left is critical whatever its lifetime (core/certs/lifetime.ts):
    // one of minutes is that from its first pass, and outlives the test.
    await addPebbleProfile(lab, 'minutes', 240);
    monitor = startMonitor();
    await passesMore(1);
    const key = `tls.${lab.settings.MX_MATRIX_HOST}`;
    let issued = 0;
    const got = await faultAlertsOnce(
      key,
      async () => {
        await issueLabCertificate(lab, 'minutes');
        issued = Date.now();
      },
      // The renewal an admin would run (the sidecar's own renewal is the certs e2e's).
      () => labCertbot(lab, 'renew', '--force-renewal', '--preferred-profile', 'default'),
    );
    // Critical, saying why, while the certificate was still valid.
    const fired = got.find((a) => a.key === key && a.status === 'firing');
    assert.ok(fired !== undefined && Date.parse(fired.at) < issued + 240_000, JSON.stringify(fired));
    assert.equal(fired.severity, 'critical');
    assert.match(`${fired.summary}\n${fired.detail}`, /under 3 days/);
    for (const name of [lab.settings.MX_SERVER_NAME, lab.settings.MX_ELEMENT_HOST])
      assert.equal(count(got, `tls.${name}`, 'firing'), 1, `tls.${name}: ${got.map((a) => a.key).join(', ')}`);
  });

  it('kill -9 and a restart: history and alert state survive, no second alert for a problem still firing; SIGTERM exits 0', async () => {
    await compose('stop', 'synapse');
    const from = hook.requests.length;
    let model: StatusPageModel | undefined;
    try {
      await until(`firing\n${log()}`, 180_000, () =>
        hooked(from).some((a) => a.key === 'stack.synapse' && a.status === 'firing'),
      );
      model = (await (await fetch(`${base()}/status.json`)).json()) as StatusPageModel;
      const since = model.alerts.find((a) => a.id === 'stack.synapse')?.since;
      assert.ok(since !== undefined, JSON.stringify(model.alerts));
      const points = model.series.find((s) => s.id === 'synapse.rss')?.points.length ?? 0;
      (monitor as Monitor).child.kill('SIGKILL');
      assert.equal((await (monitor as Monitor).exited).signal, 'SIGKILL');
      monitor = startMonitor();
      await passesMore(3);
      const after = (await (await fetch(`${base()}/status.json`)).json()) as StatusPageModel;
      assert.equal(after.alerts.find((a) => a.id === 'stack.synapse')?.since, since, 'the alert state survived');
      assert.ok(
        (after.series.find((s) => s.id === 'synapse.rss')?.points.length ?? 0) >= points,
        'the history survived',
      );
      assert.equal(count(hooked(from), 'stack.synapse', 'firing'), 1, `no second alert\n${log()}`);
    } finally {
      await compose('start', 'synapse');
      await compose('up', '-d', '--wait');
    }
    await until(
      `resolved after the restart\n${log()}`,
      240_000,
      () => count(hooked(from), 'stack.synapse', 'resolved') === 1,
    );
    const m = monitor;
    m.child.kill('SIGTERM');
    const end = await m.exited;
    assert.equal(end.code, 0, log());
    assert.match(log(), /monitor stopped by SIGTERM/);
    monitor = undefined;
  });

  it('bad input changes nothing: --interval 0, a schedule that is not a time, a second monitor', async () => {
    const db = join(lab.dir, 'state', 'monitor.db');
    const before = (await stat(db)).mtimeMs;
    const zero = await lab.mxctl(['monitor', 'run', '--interval', '0']);
    assert.equal(zero.code, 2, zero.stderr);
    assert.match(zero.stderr, /--interval must be at least 1 second/);
    const env = join(lab.dir, '.env');
    const good = await readFile(env, 'utf8');
    await writeFile(env, good.replace(/^MONITOR_BACKUP_AT=.*$/m, 'MONITOR_BACKUP_AT=25:00'), { mode: 0o600 });
    try {
      const bad = await lab.mxctl(['monitor', 'run']);
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(bad.stderr, /MONITOR_BACKUP_AT/);
    } finally {
      await writeFile(env, good, { mode: 0o600 });
    }
    assert.equal((await stat(db)).mtimeMs, before, 'the history was not touched');
    monitor = startMonitor();
    await passesMore(1);
    const second = await lab.mxctl(['monitor', 'run', '--interval', '3'], undefined);
    assert.notEqual(second.code, 0, second.stderr);
    assert.match(second.stderr, /Another|monitor\.lock|cannot listen/, `exit ${second.code}: ${second.stderr}`);
    monitor.child.kill('SIGINT');
    assert.equal((await monitor.exited).code, 0, log());
    monitor = undefined;
  });
});
