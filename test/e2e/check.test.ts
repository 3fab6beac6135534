// mxctl check against the real lab: a healthy lab is exit 0 with values read from Synapse's
// real metrics; then each fault, injected for real and fixed again, is judged at its level:
// Synapse stopped (critical), nginx stopped (the web client does not load: critical), a backup
// run that failed (warn, a fresh backup is still in hand); and bad usage changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import type { CheckReport } from '../../src/ops/check/check.ts';
import type { Signal } from '../../src/core/check/signal.ts';

const exec = promisify(execFile);

describe('mxctl check in the lab', () => {
  let lab: Lab;
  const fileStarted = Date.now();
  const compose = (...args: string[]) =>
    exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose'), timeout: 300_000 });
  const stateFile = () => join(lab.dir, 'state', 'check.json');

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.destroy();
    // NOTE: a figure, not an assertion.
    process.stderr.write(`check.test.ts: ${((Date.now() - fileStarted) / 1000).toFixed(0)} s wall, lab included\n`);
  });

  async function check(): Promise<{ code: number; report: CheckReport; get: (id: string) => Signal }> {
    const r = await lab.mxctl(['check', '--json']);
    const report = JSON.parse(r.stdout) as CheckReport;
    const get = (id: string) => {
      const s = report.signals.find((x) => x.id === id);
      assert.ok(s, `no signal ${id} in ${report.signals.map((x) => x.id).join(', ')}`);
      return s;
    };
    return { code: r.code, report, get };
  }

  const notOk = (r: CheckReport) => r.signals.filter((s) => s.level !== 'ok').map((s) => `${s.id}: ${s.summary}`);

  it('a healthy lab: exit 0, every signal ok, values from the real metrics; the second run rates since the first', async (t) => {
    const state = JSON.parse(await readFile(join(lab.dir, 'state', 'admin.json'), 'utf8')) as { access_token: string };
    const me = new MatrixUser(`https://${lab.settings.MX_MATRIX_HOST}`, lab.publicHttp, state.access_token);
    const room = await me.createRoom('check');
    for (let i = 0; i < 3; i++) await me.send(room, `hello ${i}`);
    const b = await lab.mxctl(['backup']);
    assert.equal(b.code, 0, b.stderr);

    const started = Date.now();
    const first = await check();
    t.diagnostic(`check on a healthy lab: ${Date.now() - started} ms wall (checks ${first.report.durationMs} ms)`);
    assert.deepEqual(notOk(first.report), []);
    assert.equal(first.code, 0);
    assert.equal(first.report.exitCode, 0);
    assert.equal(first.report.version, 1);
    assert.equal(first.report.previousCheckAt, null);
    for (const s of first.report.signals) {
      assert.match(s.id, /^[a-z0-9_.-]+$/);
      assert.ok(['ok', 'warn', 'critical'].includes(s.level));
      assert.equal(typeof s.evidence, 'string');
    }
    const rss = first.get('synapse.rss');
    assert.ok(typeof rss.value === 'number' && rss.value > 20 * 1024 ** 2, `RSS ${String(rss.value)}`);
    assert.deepEqual(rss.threshold, { warn: 2 * 1024 ** 3, critical: null, direction: 'above' });
    const p99 = first.get('synapse.event_send_p99');
    assert.ok(typeof p99.value === 'number' && p99.value > 0 && p99.value < 5, p99.summary);
    assert.match(p99.summary, /over \d+ sends since Synapse started/);
    assert.ok((first.get('synapse.metrics').value as number) > 100);
    assert.equal(first.get('synapse.background_updates').value, 'complete');
    assert.equal(first.get('synapse.federation_pending_pdus').value, 0);
    const tls = first.get(`tls.${lab.settings.MX_MATRIX_HOST}`);
    assert.ok(typeof tls.value === 'number' && tls.value > 0.25, tls.summary);
    assert.match(first.get('disk.media.fill').summary, /not enough samples yet/);
    assert.ok((first.get('disk.docker_root').value as number) > 0);
    assert.match(first.get('backup.last').summary, /the newest backup is 0\.\d h old/);
    const mode = (await stat(stateFile())).mode & 0o777;
    assert.equal(mode, 0o600);

    await me.send(room, 'after the first check');
    const second = await check();
    assert.equal(second.code, 0, notOk(second.report).join('\n'));
    assert.equal(second.report.previousCheckAt, first.report.checkedAt);
    assert.match(second.get('synapse.http_5xx_ratio').summary, /since the last check \d+ s ago/);
    assert.match(second.get('synapse.event_send_p99').summary, /over 1 sends since the last check/);
    const saved = JSON.parse(await readFile(stateFile(), 'utf8')) as { disk: Record<string, unknown[]> };
    assert.ok((saved.disk['disk.media']?.length ?? 0) <= 2);
  });

  it('Synapse stopped: critical (exit 2), named; started again: those signals are ok', async () => {
    await compose('stop', 'synapse');
    try {
      const { code, get } = await check();
      assert.equal(code, 2);
      assert.equal(get('stack.synapse').level, 'critical');
      assert.equal(get('https.synapse_health').level, 'critical');
      assert.match(get('https.synapse_health').evidence, /\/health: HTTP 502/);
      assert.equal(get('synapse.metrics').level, 'critical');
    } finally {
      await compose('start', 'synapse');
      await compose('up', '-d', '--wait');
    }
    const { get } = await check();
    for (const id of ['stack.synapse', 'https.synapse_health', 'synapse.metrics', 'synapse.rss'])
      assert.equal(get(id).level, 'ok', get(id).summary);
    assert.match(get('synapse.http_5xx_ratio').summary, /since Synapse started/);
  });

  it('nginx stopped: the web client does not load, critical (exit 2); started again: ok', async () => {
    await compose('stop', 'nginx');
    try {
      const { code, get } = await check();
      assert.equal(code, 2);
      assert.equal(get('https.element').level, 'critical');
      assert.match(get('https.element').evidence, /ECONNREFUSED|refused/i);
      assert.equal(get('stack.nginx').level, 'critical');
      assert.equal(get(`tls.${lab.settings.MX_ELEMENT_HOST}`).level, 'critical');
    } finally {
      await compose('start', 'nginx');
      await compose('up', '-d', '--wait');
    }
    const { get } = await check();
    for (const id of ['https.element', 'https.synapse_health', 'stack.nginx', `tls.${lab.settings.MX_ELEMENT_HOST}`])
      assert.equal(get(id).level, 'ok', get(id).summary);
  });

  it('a backup run that failed (Postgres stopped): recorded, warn while a fresh backup exists; the next good run clears it', async () => {
    await compose('stop', 'postgres');
    let failed: Awaited<ReturnType<Lab['mxctl']>>;
    try {
      failed = await lab.mxctl(['backup']);
    } finally {
      await compose('start', 'postgres');
      await compose('up', '-d', '--wait');
    }
    assert.notEqual(failed.code, 0, 'the backup should fail with Postgres stopped');
    const runs = JSON.parse(await readFile(join(lab.dir, 'state', 'backup-runs.json'), 'utf8')) as {
      ok: boolean;
      error?: { code: string };
    }[];
    assert.equal(runs.at(-1)?.ok, false);
    const { code, get } = await check();
    const last = get('backup.last');
    assert.equal(last.level, 'warn', last.summary);
    assert.match(last.summary, /the last backup run \(.*\) FAILED: E_/);
    assert.ok(code >= 1);

    const b = await lab.mxctl(['backup']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await check()).get('backup.last').level, 'ok');
  });

  it('bad usage: `check --bogus` is a clear error, exit 2, nothing printed on stdout, the state untouched', async () => {
    const before = await readFile(stateFile(), 'utf8');
    const r = await lab.mxctl(['check', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--bogus'/);
    assert.equal(r.stdout, '');
    assert.equal(await readFile(stateFile(), 'utf8'), before);
  });

  it('after every fault is fixed: exit 0 again', async () => {
    // NOTE: the checks above saw the faults' own log lines; this run reads the log since then.
    let r = await check();
    for (let i = 0; i < 5 && r.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 2_000));
      r = await check();
    }
    assert.deepEqual(notOk(r.report), []);
    assert.equal(r.code, 0);
  });
});
