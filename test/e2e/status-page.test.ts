// Issue 9, the status page in a real browser: pages rendered from models built from REAL
// `mxctl check --json` passes of a lab (its series from the passes' values, its alerts from the
// monitor's alert state advanced by them), served on the lab's own loopback address and opened in
// headless Chromium on a phone and a desktop viewport. Healthy → nginx stopped (critical: shown
// red, the banner red, an alert firing) → nginx started again (nothing red, the alert resolved).
// Screenshots go to test/e2e/artifacts/status-page/ (git-ignored; CI keeps the folder).
// Then the monitor's container (the same lab): a release of this checkout in the lab's mxctl image,
// run through the deployment's own `monitor` compose service (its profile, user, capability and
// mounts): `mxctl --version`, and `mxctl check --json` seeing the stack from inside.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { LabBrowser } from '../../lab/browser.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { checkStatusPage } from '../../lab/status-page-check.ts';
import type { StatusPageSeen } from '../../lab/status-page-check.ts';
import { CA_FILE, REPO } from '../../lab/lab-stack.ts';
import type { CheckReport } from '../../src/ops/check/check.ts';
import { renderStatusPage } from '../../src/core/monitor/status-page.ts';
import type { StatusPageModel } from '../../src/core/monitor/status-page.ts';
import { seriesFromPasses } from '../../src/core/monitor/status-series.ts';
import { advance, DEFAULT_POLICY } from '../../src/core/alerts/alert-state.ts';
import type { AlertState } from '../../src/core/alerts/alert-state.ts';

const exec = promisify(execFile);
const ARTIFACTS = join(REPO, 'test', 'e2e', 'artifacts', 'status-page');
/** Alerts at once: the windows are the monitor's business, not the page's. */
const AT_ONCE = { ...DEFAULT_POLICY, windowsMs: { '': 0 } };
/** The lab's mxctl image with this checkout's release in /opt/mxctl. */
const MONITOR_TEST_IMAGE = 'element-matrix-lab/mxctl-release:test';

describe('the status page in headless Chromium, from real check passes of a lab', () => {
  let lab: Lab;
  let browser: LabBrowser;
  let server: Server;
  let url: string;
  let html = '';
  const passes: CheckReport[] = [];
  let alertState: AlertState = {};
  let me: MatrixUser;
  let room: string;
  const fileStarted = Date.now();
  const compose = (...args: string[]) =>
    exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose'), timeout: 300_000 });

  /** A release of this checkout (scripts/release.sh), built while the lab starts. */
  let releaseDir = '';
  let release: Promise<string>;

  before(async () => {
    releaseDir = await mkdtemp(join(tmpdir(), 'mx-release-'));
    release = exec('bash', [join(REPO, 'scripts', 'release.sh'), releaseDir], { cwd: REPO, timeout: 900_000 }).then(
      (r) => r.stdout.trim().split('\n').at(-1) ?? '',
    );
    release.catch(() => undefined); // awaited by its test; a failure is reported there
    lab = await startLab();
    browser = await LabBrowser.launch({
      address: lab.address,
      // NOTE: the lab browser resolves nothing it is not told to (MAP * ~NOTFOUND), an address included.
      names: [lab.address],
      caPem: await readFile(join(lab.dir, CA_FILE), 'utf8'),
      artifacts: ARTIFACTS,
    });
    // The page as the monitor will serve it: plain HTTP on loopback (here the lab's own address).
    server = createServer((req, res) => {
      if (req.url !== '/') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    });
    await new Promise<void>((ok) => server.listen(0, lab.address, ok));
    url = `http://${lab.address}:${(server.address() as AddressInfo).port}/`;
    const admin = JSON.parse(await readFile(join(lab.dir, 'state', 'admin.json'), 'utf8')) as { access_token: string };
    me = new MatrixUser(`https://${lab.settings.MX_MATRIX_HOST}`, lab.publicHttp, admin.access_token);
    room = await me.createRoom('status page');
  });

  after(async () => {
    await new Promise((ok) => server?.close(ok));
    await browser?.close();
    await lab?.destroy();
    await exec('docker', ['image', 'rm', '-f', MONITOR_TEST_IMAGE]).catch(() => undefined);
    if (releaseDir !== '') await rm(releaseDir, { recursive: true, force: true });
    // NOTE: a figure, not an assertion.
    process.stderr.write(
      `status-page.test.ts: ${((Date.now() - fileStarted) / 1000).toFixed(0)} s wall, lab included\n`,
    );
  });

  /** One real pass: `mxctl check --json`. */
  async function check(): Promise<{ code: number; report: CheckReport }> {
    const r = await lab.mxctl(['check', '--json']);
    return { code: r.code, report: JSON.parse(r.stdout) as CheckReport };
  }

  /** Kept in the history, and the alert state advanced by it, as the monitor does. */
  function record(report: CheckReport): CheckReport {
    passes.push(report);
    alertState = advance(alertState, report.signals, {
      now: new Date(report.checkedAt),
      server: report.serverName,
      policy: AT_ONCE,
    }).state;
    return report;
  }

  /** Messages sent since the last pass: the event-send p99 is a rate between passes. */
  async function chat(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await me.send(room, `status page ${passes.length}.${i}`);
  }

  async function pass(expectCode: number, o: { chat: boolean } = { chat: true }): Promise<CheckReport> {
    if (o.chat) await chat(3);
    const { code, report } = await check();
    const notOk = report.signals.filter((s) => s.level !== 'ok').map((s) => `${s.id}: ${s.summary}`);
    assert.equal(code, expectCode, `check exit ${code}: ${notOk.join('; ')}`);
    return record(report);
  }

  /** The model the daemon will build: the latest pass, the firing alerts, the passes' series. */
  function modelOf(latest: CheckReport): StatusPageModel {
    return {
      serverName: latest.serverName,
      generatedAt: latest.checkedAt,
      level: latest.level,
      signals: latest.signals,
      alerts: Object.entries(alertState)
        .filter(([, t]) => t.notified !== undefined)
        .map(([id, t]) => ({
          id,
          severity: t.level === 'critical' ? 'critical' : 'warning',
          since: t.since,
          summary: t.summary,
        })),
      series: seriesFromPasses(passes.map((p) => ({ at: p.checkedAt, signals: p.signals }))),
    };
  }

  /** Renders and serves the page, opens it on both viewports; what both saw must agree. */
  async function show(latest: CheckReport, name: string): Promise<StatusPageSeen> {
    const model = modelOf(latest);
    html = renderStatusPage(model);
    const phone = await checkStatusPage(browser, url, { name, viewport: 'phone' });
    const desktop = await checkStatusPage(browser, url, { name, viewport: 'desktop' });
    for (const seen of [phone, desktop]) {
      assert.deepEqual(seen.requests, [], 'the page loads nothing but itself');
      assert.equal(seen.level, latest.level, 'the banner shows the pass level');
      assert.equal(seen.signals, latest.signals.length, 'every signal is shown');
      // Every chart has exactly the values the passes read, drawn with a size on screen.
      for (const s of model.series) {
        assert.equal(seen.points[s.id], s.points.length, `${s.id}: points drawn`);
        if (s.points.length > 0) assert.ok(seen.drawn.includes(s.id), `${s.id}: its line has a size`);
        else assert.ok(seen.noData.includes(s.id), `${s.id}: says no data yet`);
      }
    }
    assert.equal(phone.overflowsX, false, 'no sideways scrolling on a phone');
    assert.deepEqual(phone.redIds, desktop.redIds);
    return desktop;
  }

  it('healthy: a green banner, nothing red, every chart with the values of the passes', async (t) => {
    const b = await lab.mxctl(['backup']);
    assert.equal(b.code, 0, b.stderr);
    const started = Date.now();
    await pass(0);
    const latest = await pass(0);
    t.diagnostic(`two check passes: ${Date.now() - started} ms`);
    const seen = await show(latest, '1-healthy');
    assert.equal(seen.level, 'ok');
    assert.equal(seen.bannerColour, 'rgb(30, 123, 60)', 'the banner is green');
    const notOk = JSON.stringify(latest.signals.filter((x) => x.level !== 'ok'));
    assert.equal(seen.red, 0, notOk);
    assert.equal(seen.amber, 0, notOk);
    assert.deepEqual(seen.alerts, []);
    for (const id of ['synapse.rss', 'synapse.event_send_p99', 'disk.docker_root', 'backup.last'])
      assert.equal(seen.points[id], 2, `${id}: one point per pass`);
    t.diagnostic(`points per chart: ${JSON.stringify(seen.points)}`);
  });

  it('nginx stopped: the banner is red, the failing signals are painted red, the alert fires', async (t) => {
    await compose('stop', 'nginx');
    try {
      const latest = await pass(2, { chat: false }); // the client API is behind nginx
      const critical = latest.signals.filter((s) => s.level === 'critical').map((s) => s.id);
      const seen = await show(latest, '2-nginx-stopped');
      assert.equal(seen.level, 'critical');
      assert.equal(seen.bannerColour, 'rgb(180, 35, 24)', 'the banner is red');
      assert.ok(critical.includes('stack.nginx'), critical.join(', '));
      assert.deepEqual([...seen.redIds].sort(), [...critical].sort(), 'exactly the critical signals are red');
      assert.ok(seen.alerts.includes('stack.nginx'), `alerts shown: ${seen.alerts.join(', ')}`);
      assert.equal(seen.points['synapse.rss'], 3, "Synapse's metrics are still read (not through nginx)");
      t.diagnostic(`red: ${seen.redIds.join(', ')}`);
    } finally {
      await compose('start', 'nginx');
      await compose('up', '-d', '--wait');
    }
  });

  it('nginx started again: nothing red, the alert resolved, the charts carry on', async () => {
    await chat(3);
    const { code, report } = await check();
    assert.ok(
      code < 2,
      `not critical: ${report.signals
        .filter((s) => s.level !== 'ok')
        .map((s) => s.id)
        .join(', ')}`,
    );
    const seen = await show(record(report), '3-recovered');
    assert.equal(seen.red, 0);
    assert.equal(seen.alerts.includes('stack.nginx'), false, 'the alert is resolved, no longer shown');
    assert.equal(seen.points['synapse.rss'], 4);
  });

  it('the monitor container: built from a release on the lab image, its compose service (off by default) runs mxctl as 10001 and check sees the stack', async (t) => {
    const started = Date.now();
    const tgz = await release;
    const context = join(releaseDir, 'unpacked');
    await exec('mkdir', ['-p', context]);
    await exec('tar', ['-xzf', tgz, '-C', context, '--strip-components=1']);
    // The release carries the production recipe; the lab's image stands in for node:24-trixie-slim.
    await stat(join(context, 'container', 'Dockerfile'));
    await writeFile(join(releaseDir, 'Dockerfile'), 'FROM element-matrix-lab/mxctl:lab\nCOPY . /opt/mxctl/\n');
    await exec(
      'docker',
      ['build', '-q', '--network', 'host', '-f', join(releaseDir, 'Dockerfile'), '-t', MONITOR_TEST_IMAGE, context],
      {
        env: { ...process.env, DOCKER_BUILDKIT: '0' },
        timeout: 600_000,
      },
    );
    t.diagnostic(`release and image: ${Date.now() - started} ms`);

    // Off by default: the deployment's compose file has the service, but no profile runs it.
    const services = (await compose('config', '--services')).stdout.trim().split('\n');
    assert.ok(services.includes('synapse') && !services.includes('monitor'), services.join(', '));
    const withProfile = (await compose('--profile', 'monitor', 'config', '--services')).stdout;
    assert.ok(withProfile.split('\n').includes('monitor'), 'the profile names it');

    // The service as the template writes it, with the test image in place of the local build.
    const override = join(releaseDir, 'monitor-test.yml');
    await writeFile(override, `services:\n  monitor:\n    image: ${MONITOR_TEST_IMAGE}\n    build: !reset null\n`);
    const files = ['-f', 'docker-compose.yml', '-f', 'docker-compose.override.yml', '-f', override];
    const inMonitor = (...args: string[]) =>
      exec('docker', ['compose', ...files, '--profile', 'monitor', 'run', '--rm', '-T', ...args], {
        cwd: join(lab.dir, 'compose'),
        env: { ...process.env, MONITOR_DEPLOYMENT_DIR: lab.dir },
        timeout: 300_000,
      }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({
          code: e.code ?? -1,
          stdout: e.stdout ?? '',
          stderr: e.stderr ?? '',
        }),
      );

    const version = await inMonitor('monitor', '--version');
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^mxctl \d+\.\d+\.\d+/m);
    const who = await inMonitor('--entrypoint', 'id', 'monitor');
    assert.match(who.stdout, /^uid=10001\(mxctl\) gid=10001\(mxctl\)/, 'not root');
    // node holds DAC_OVERRIDE (it reads the 0600 files): the read-only mount still stops it.
    const write = await inMonitor(
      '--entrypoint',
      'node',
      'monitor',
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(join(lab.dir, 'written-by-monitor'))}, 'x')`,
    );
    assert.notEqual(write.code, 0, 'the deployment folder is read-only to it');
    assert.match(write.stderr, /EROFS/);

    const checked = await inMonitor('monitor', 'check', '--json');
    assert.ok(
      checked.stdout.startsWith('{'),
      `check --json in the container (exit ${checked.code}): ${checked.stderr}`,
    );
    const report = JSON.parse(checked.stdout) as CheckReport;
    const notOk = report.signals.filter((s) => s.level !== 'ok').map((s) => `${s.id}: ${s.summary}`);
    assert.equal(checked.code, 0, `${notOk.join('; ')} ${checked.stderr}`);
    assert.equal(report.serverName, lab.settings.MX_SERVER_NAME);
    for (const service of ['postgres', 'synapse', 'element', 'nginx', 'certbot'])
      assert.equal(
        report.signals.find((s) => s.id === `stack.${service}`)?.level,
        'ok',
        `stack.${service} seen from inside`,
      );
    for (const id of ['https.synapse_health', 'synapse.rss', 'disk.docker_root', 'backup.last'])
      assert.equal(report.signals.find((s) => s.id === id)?.level, 'ok', id);
    // It wrote its memory into state/ (the one writable mount), as its own user.
    assert.equal((await stat(join(lab.dir, 'state', 'check.json'))).uid, 10001);
    t.diagnostic(
      `check --json inside the monitor container: ${report.durationMs} ms, ${report.signals.length} signals`,
    );
  });
});
