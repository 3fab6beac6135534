// mxctl restore-test end to end in ONE lab: populate a little, back up, then the monthly drill
// passes (RTO/RPO, runbook line, history) beside an untouched production; a corrupted latest
// backup fails with its reason; a drill killed with SIGKILL part-way is cleaned up by the next.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import S3rver from 's3rver';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { MXCTL } from '../../lab/lab-stack.ts';
import { httpFetch } from '../../src/adapters/http.ts';
import { countRows } from '../../src/adapters/postgres.ts';
import { isPortFree } from '../../src/adapters/ports.ts';
import { projectObjects } from '../../src/adapters/compose-project.ts';
import { KEY_TABLES } from '../../src/core/backup/manifest.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { formatSettings } from '../../src/core/settings.ts';
import { writeFileAtomic } from '../../src/adapters/fs.ts';
import { mediaHashes, makePng, pgOf, s3rverSettings, synapseStartedAt } from './backup-fixtures.ts';

const exec = promisify(execFile);

interface DrillJson {
  id: string;
  ok: boolean;
  rtoSeconds?: number;
  rpoSeconds: number;
  failed?: string;
  logFile?: string;
  archive: string;
  checks: { name: string; ok: boolean; detail: string }[];
  leftoversRemoved: { containers: number; volumes: number; networks: number; folders: number };
  leftAfter: { containers: string[]; volumes: string[]; networks: string[] };
  drill: { hostNetwork: boolean };
  recorded: { runbook?: string; history: string };
}

describe('mxctl restore-test in the lab', () => {
  let lab: Lab;
  let drillAddress: string;
  let project: string;

  before(async () => {
    lab = await startLab();
    // A loopback address of the drill's own, beside this lab's 127.0.0.N (no lab uses 127.0.1.x).
    drillAddress = lab.address.replace(/^127\.0\.0\./, '127.0.1.');
    project = `${lab.settings.COMPOSE_PROJECT_NAME}-drill`;
  });
  after(async () => {
    await lab?.destroy();
  });

  /** What must not change: container ids, Synapse's start time, key table row counts, media sha256s. */
  async function production(): Promise<unknown> {
    const ids = (await exec('docker', ['compose', 'ps', '-aq'], { cwd: join(lab.dir, 'compose') })).stdout
      .split('\n')
      .filter((l) => l !== '')
      .sort();
    return {
      ids,
      synapseStartedAt: await synapseStartedAt(lab),
      rows: await countRows(pgOf(lab), KEY_TABLES),
      media: Object.fromEntries([...(await mediaHashes(lab.dir))].sort()),
      answers: (await lab.admin.call<{ server_version: string }>('GET', '/_synapse/admin/v1/server_version'))
        .server_version,
    };
  }

  async function drill(...args: string[]): Promise<{ code: number; r: DrillJson; stderr: string }> {
    const x = await lab.mxctl(['restore-test', ...args, '--address', drillAddress, '--json']);
    return { code: x.code, r: JSON.parse(x.stdout) as DrillJson, stderr: x.stderr };
  }

  async function nothingLeft(): Promise<void> {
    const o = await projectObjects(project);
    assert.deepEqual(o, { containers: [], volumes: [], networks: [] }, 'no drill container, volume or network left');
    assert.ok(await isPortFree(drillAddress, 8008), "the drill's Synapse port is free");
    assert.ok(await isPortFree(drillAddress, 5432), "the drill's postgres port is free");
    const left = (await readdir(join(lab.dir, 'drills')).catch(() => [])).filter((n) => !n.startsWith('.'));
    assert.deepEqual(left, [], 'no drill folder left');
  }

  it('populates: a user, a room, messages, a media upload; a backup', async (t) => {
    const matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
    const password = randomBytes(12).toString('hex');
    const tok = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {
      uses_allowed: 1,
    });
    const reg = await MatrixUser.register(matrix, lab.publicHttp, 'rita', password, tok.token);
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const rita = await MatrixUser.login(matrix, lab.publicHttp, 'rita', password);
    const room = await rita.createRoom('restore drill room');
    for (let n = 0; n < 5; n++) await rita.send(room, `restore drill message ${n} ${randomBytes(4).toString('hex')}`);
    const up = await httpFetch(
      `${matrix}/_matrix/media/v3/upload?filename=pic.png`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${rita.accessToken ?? ''}`, 'Content-Type': 'image/png' },
        body: makePng(320, 200, 7),
      },
      { ...lab.publicHttp, timeoutMs: 60_000 },
    );
    assert.equal(up.status, 200, up.text());
    const b = await lab.mxctl(['backup', '--local-only', '--json']);
    assert.equal(b.code, 0, b.stderr);
    t.diagnostic(`backup ${(JSON.parse(b.stdout) as { id: string }).id}`);
  });

  it('the drill passes with RTO and RPO, is recorded, and production is untouched', async (t) => {
    const before = await production();
    const { code, r, stderr } = await drill('latest');
    for (const c of r.checks) t.diagnostic(`[${c.ok ? 'pass' : 'FAIL'}] ${c.name}: ${c.detail}`);
    assert.equal(code, 0, `${stderr}\n${JSON.stringify(r, null, 2)}`);
    assert.equal(r.ok, true);
    assert.ok(r.rtoSeconds !== undefined && r.rtoSeconds > 0, 'an RTO');
    assert.ok(r.rpoSeconds >= 0, 'an RPO');
    t.diagnostic(`RTO ${r.rtoSeconds} s, RPO ${r.rpoSeconds} s, backup ${r.id}`);
    for (const name of [
      'Synapse answers and reports its version',
      'the restored admin token passes whoami and /sync',
      "the backup's newest message reads back",
      "the published signing key is the backup's",
      'a media file downloads with the same sha256',
    ])
      assert.ok(
        r.checks.some((c) => c.name === name && c.ok),
        `${name} passed`,
      );
    assert.match(r.checks.find((c) => c.name.startsWith('a media file'))?.detail ?? '', /sha256 matches/);
    assert.deepEqual(r.leftAfter, { containers: [], volumes: [], networks: [] });
    await nothingLeft();
    const runbook = await readFile(join(lab.dir, 'docs', 'RUNBOOK.md'), 'utf8');
    assert.match(
      runbook,
      new RegExp(
        `Last restore test: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC — PASS, RTO .+, RPO .+, backup \`${r.id}\``,
      ),
    );
    assert.doesNotMatch(runbook, /__NOT_YET_PERFORMED__/);
    const history = join(lab.dir, 'state', 'restore-tests.json');
    assert.equal((await stat(history)).mode & 0o777, 0o600);
    const entries = JSON.parse(await readFile(history, 'utf8')) as { ok: boolean; backupId: string }[];
    assert.deepEqual(
      entries.map((e) => [e.ok, e.backupId]),
      [[true, r.id]],
    );
    assert.deepEqual(await production(), before, 'production: same containers, rows, media, answering');
  });

  it("production's shape: a bridge network of the drill's own, Synapse published on the drill address only", async (t) => {
    const before = await production();
    const { code, r, stderr } = await drill('latest', '--network', 'bridge');
    assert.equal(code, 0, `${stderr}\n${JSON.stringify(r.checks, null, 2)}`);
    assert.equal(r.drill.hostNetwork, false);
    t.diagnostic(`bridge: RTO ${r.rtoSeconds} s, RPO ${r.rpoSeconds} s`);
    await nothingLeft();
    assert.deepEqual(await production(), before);
  });

  it('a corrupted latest backup fails with the reason, production untouched', async (t) => {
    const before = await production();
    const dir = join(lab.dir, 'backups');
    const id =
      (await readdir(dir))
        .filter((n) => n.endsWith('.manifest.json'))
        .sort()
        .at(-1)
        ?.replace('.manifest.json', '') ?? '';
    // A copy one minute newer (so it is `latest`), bytes flipped in its middle, same size.
    const m = /^(.*)_(\d\d)(\d\d)(\d\d)$/.exec(id);
    assert.ok(m !== null, id);
    const newer = `${m[1]}_${m[2]}${String((Number(m[3]) + 1) % 60).padStart(2, '0')}${m[4]}`;
    await copyFile(join(dir, `${id}.tar.gpg`), join(dir, `${newer}.tar.gpg`));
    await copyFile(join(dir, `${id}.manifest.json`), join(dir, `${newer}.manifest.json`));
    const f = await open(join(dir, `${newer}.tar.gpg`), 'r+');
    const size = (await f.stat()).size;
    const buf = Buffer.alloc(64);
    await f.read(buf, 0, 64, Math.floor(size / 2));
    for (let i = 0; i < buf.length; i++) buf[i] = (buf[i] ?? 0) ^ 0xff;
    await f.write(buf, 0, 64, Math.floor(size / 2));
    await f.close();
    try {
      const { code, r, stderr } = await drill('latest');
      t.diagnostic(`exit ${code}: ${r.failed ?? ''}`);
      assert.equal(code, 22, stderr);
      assert.equal(r.ok, false);
      assert.equal(r.id, newer);
      assert.match(r.failed ?? '', /^the archive decrypts/);
      assert.ok(r.logFile !== undefined && (await stat(r.logFile)).size > 0, 'the logs are kept');
      assert.match(stderr, /restore drill .* failed/);
      const runbook = await readFile(join(lab.dir, 'docs', 'RUNBOOK.md'), 'utf8');
      assert.match(runbook, new RegExp(`Last restore test: .* — FAIL, .*backup \`${newer}\``));
      const entries = JSON.parse(await readFile(join(lab.dir, 'state', 'restore-tests.json'), 'utf8')) as {
        ok: boolean;
        backupId: string;
        failed?: string;
        rtoSeconds?: number;
        logFile?: string;
      }[];
      const last = entries.at(-1);
      assert.equal(last?.ok, false);
      assert.equal(last?.backupId, newer);
      assert.equal(last?.rtoSeconds, undefined, 'no RTO for a failed drill');
      assert.match(last?.failed ?? '', /manipulated|damaged|decrypt/);
      assert.equal(last?.logFile, r.logFile);
      assert.equal((await stat(r.logFile)).mode & 0o777, 0o600);
      await nothingLeft();
      assert.deepEqual(await production(), before);
    } finally {
      await rm(join(dir, `${newer}.tar.gpg`), { force: true });
      await rm(join(dir, `${newer}.manifest.json`), { force: true });
    }
  });

  it('a drill whose port is taken is refused before it starts anything (exit 4, the holder named)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(8008, drillAddress, resolve));
    try {
      const x = await lab.mxctl(['restore-test', '--address', drillAddress]);
      assert.equal(x.code, 4, x.stderr);
      assert.match(x.stderr, new RegExp(`${drillAddress.replaceAll('.', '\\.')}:8008 is in use`));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    await nothingLeft();
  });

  it('a drill killed with SIGKILL part-way is cleaned up by the next one; production untouched', async (t) => {
    const before = await production();
    const child = spawn(
      process.execPath,
      // NOTE: the bridge shape, so the kill leaves a network of the drill's own as well.
      [MXCTL, '--dir', lab.dir, 'restore-test', 'latest', '--address', drillAddress, '--network', 'bridge', '--json'],
      { detached: true, stdio: 'ignore' },
    );
    // NOTE: a bound, not a figure: alone the containers appear within ~15 s; on a machine running
    // three labs at once this once took over 120 s.
    const deadline = Date.now() + 300_000;
    // Killed once both containers exist: Synapse is starting on the restored database.
    while ((await projectObjects(project)).containers.length < 2) {
      assert.ok(Date.now() < deadline, "the drill's containers never appeared");
      await new Promise((r) => setTimeout(r, 250));
    }
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const orphans = await projectObjects(project);
    t.diagnostic(
      `left by the killed drill: ${orphans.containers.length} container(s), ${orphans.volumes.length} volume(s), ${orphans.networks.length} network(s)`,
    );
    assert.ok(orphans.containers.length === 2 && orphans.networks.length === 1, 'the kill left the stack behind');
    const { code, r, stderr } = await drill('latest');
    assert.equal(code, 0, `${stderr}\n${JSON.stringify(r.checks, null, 2)}`);
    assert.deepEqual(r.leftoversRemoved, { containers: 2, volumes: 1, networks: 1, folders: 1 });
    t.diagnostic(
      `next drill: removed ${JSON.stringify(r.leftoversRemoved)}; RTO ${r.rtoSeconds} s, RPO ${r.rpoSeconds} s`,
    );
    await nothingLeft();
    assert.deepEqual(await production(), before);
  });

  it("--from-offsite drills the offsite copy (the lab's S3 endpoint) and leaves the local backups as they were", async (t) => {
    const store = await mkdtemp(join(tmpdir(), 'mxs3-drill-'));
    const srv = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: store,
      configureBuckets: [{ name: 'matrix-backups' }],
    });
    const { port } = await srv.run();
    const original = await readFile(join(lab.dir, '.env'), 'utf8');
    try {
      const s = await readSettings(lab.dir);
      const s3 = s3rverSettings(port);
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings({ ...s, ...s3 }), 0o600);
      const b = await lab.mxctl(['backup', '--json']);
      assert.equal(b.code, 0, b.stderr);
      const id = (JSON.parse(b.stdout) as { id: string }).id;
      const localBefore = (await readdir(join(lab.dir, 'backups'))).sort();
      const before = await production();
      const { code, r, stderr } = await drill('latest', '--from-offsite');
      assert.equal(code, 0, `${stderr}\n${JSON.stringify(r.checks, null, 2)}`);
      assert.equal(r.id, id);
      assert.match(r.archive, /matrix-backups/);
      t.diagnostic(`offsite: RTO ${r.rtoSeconds} s, RPO ${r.rpoSeconds} s, backup ${r.id}`);
      assert.deepEqual((await readdir(join(lab.dir, 'backups'))).sort(), localBefore, 'no download left');
      await nothingLeft();
      assert.deepEqual(await production(), before);
    } finally {
      await writeFileAtomic(join(lab.dir, '.env'), original, 0o600);
      srv.httpServer.closeAllConnections?.();
      await srv.close();
      await rm(store, { recursive: true, force: true });
    }
  });
});
