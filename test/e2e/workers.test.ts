// mxctl scale workers against the real lab: Synapse's worker mode with Redis (Debian's
// redis-server) and the lab's synapse-workers image (lab/README.md). A bad preset and a dry run
// change nothing; the `users` preset runs a sync worker and a client reader behind nginx: a
// message sent through the routed endpoints arrives, /sync is served by the sync worker (its own
// metrics and log say so); `--workers 0` goes back to one process with every file as it was and
// every message kept.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { renderLabOverride } from '../../lab/lab-files.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { httpFetch } from '../../src/adapters/http.ts';
import { parseExposition, sumOf } from '../../src/core/check/prometheus.ts';
import { PRESETS } from '../../src/core/scale/workers-presets.ts';
import { renderWorkerConfig, withWorkerBlocks } from '../../src/core/scale/workers-config.ts';
import type { WorkersReport } from '../../src/ops/scale/workers.ts';

const exec = promisify(execFile);
const FILES = ['.env', 'synapse/homeserver.yaml', 'nginx/templates/matrix.conf.template'];
const sync = PRESETS.users.workers.find((w) => w.kind === 'sync');

describe('scale workers in the lab', () => {
  let lab: Lab;
  let matrix: string;
  let alice: MatrixUser;
  let bob: MatrixUser;
  let roomId: string;
  let original: string[];
  const sent: string[] = [];
  const files = () => Promise.all(FILES.map((f) => readFile(join(lab.dir, f), 'utf8')));
  const compose = (...args: string[]) => exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose') });
  const syncCount = async () => {
    const res = await httpFetch(`http://${lab.address}:${String(sync?.ports.metrics)}/_synapse/metrics`);
    return sumOf(parseExposition(res.text()).samples, 'synapse_http_server_requests_received_total', {
      servlet: 'SyncRestServlet',
    });
  };

  before(async () => {
    // Main Synapse runs the image with a Redis client too: worker mode enables Redis on main.
    lab = await startLab({
      beforeUp: (dir, address) =>
        writeFile(
          join(dir, 'compose', 'docker-compose.override.yml'),
          renderLabOverride(address, { synapseImage: 'synapse-workers' }),
        ),
    });
    matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
    const users: MatrixUser[] = [];
    for (const name of ['alice', 'bob']) {
      const t = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {
        uses_allowed: 1,
      });
      const r = await MatrixUser.register(matrix, lab.publicHttp, name, 'correct horse battery staple', t.token);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      users.push(await MatrixUser.login(matrix, lab.publicHttp, name, 'correct horse battery staple'));
    }
    [alice, bob] = users as [MatrixUser, MatrixUser];
    roomId = await alice.createRoom('workers room');
    const invite = await alice.request('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, {
      user_id: `@bob:${lab.settings.MX_SERVER_NAME}`,
    });
    assert.equal(invite.status, 200, JSON.stringify(invite.json));
    const join_ = await bob.request('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {});
    assert.equal(join_.status, 200, JSON.stringify(join_.json));
    sent.push('before worker mode');
    await alice.send(roomId, sent[0] ?? '');
    original = await files();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('a bad preset, a count other than 0, and a dry run change nothing', async () => {
    const bad = await lab.mxctl(['scale', 'workers', '--preset', 'bogus', '--yes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no worker preset 'bogus'/);
    assert.match(bad.stderr, /federation .*users/);
    const count = await lab.mxctl(['scale', 'workers', '--workers', '3', '--yes']);
    assert.equal(count.code, 2);
    assert.match(count.stderr, /only 0/);
    const dry = await lab.mxctl(['scale', 'workers', '--preset', 'users', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const r = JSON.parse(dry.stdout) as WorkersReport;
    assert.equal(r.dryRun, true);
    assert.equal(r.to, 'users');
    assert.match(r.diff, /instance_map:/);
    assert.match(r.diff, /worker_replication_secret: "REDACTED"/);
    assert.match(r.diff, /"~\^\/_matrix\/client\/\(r0\|v3\)\/sync\$" mx_synapse_sync_1;/);
    assert.deepEqual(r.files.map((f) => `${f.change} ${f.path}`).sort(), [
      'added compose/docker-compose.workers.yml',
      'added synapse/workers/synapse-client-reader-1.yaml',
      'added synapse/workers/synapse-sync-1.yaml',
      'changed .env',
      'changed nginx/templates/matrix.conf.template',
      'changed synapse/homeserver.yaml',
    ]);
    assert.deepEqual(await files(), original);
    const { stdout } = await compose('ps', '--all', '--format', '{{.Service}}');
    assert.doesNotMatch(stdout, /redis|synapse-sync/);
  });

  it('users preset: a message through the routed endpoints arrives, /sync is served by the sync worker', async () => {
    const started = Date.now();
    const r = await lab.mxctl(['scale', 'workers', '--preset', 'users', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as WorkersReport;
    process.stderr.write(
      `[workers] apply took ${((Date.now() - started) / 1000).toFixed(1)} s, gate ${report.gate?.messageSeconds} s\n`,
    );
    assert.deepEqual(report.workers, ['synapse-sync-1', 'synapse-client-reader-1']);
    assert.equal(report.gate?.syncServedBy, 'synapse-sync-1');
    assert.ok((report.gate?.syncRequests ?? 0) > 0);
    // Every service healthy, Redis and the two workers among them; the secret file stays 0600.
    const { stdout } = await compose('ps', '--format', '{{.Service}} {{.Health}}');
    for (const s of ['redis', 'synapse', 'synapse-sync-1', 'synapse-client-reader-1'])
      assert.match(stdout, new RegExp(`^${s} healthy$`, 'm'), stdout);
    // nginx was just restarted (Docker may not have run its first check yet); the gate went through it.
    assert.match(stdout, /^nginx (healthy|starting)$/m, stdout);
    assert.equal((await stat(join(lab.dir, 'synapse', 'homeserver.yaml'))).mode & 0o777, 0o600);
    // A user's own traffic: alice sends through nginx (routed to the client reader), bob's /sync
    // (routed to the sync worker, which learns of the event over Redis) receives it.
    const before = (await syncCount()) ?? 0;
    const body = `during worker mode ${Date.now()}`;
    const eventId = await alice.send(roomId, body);
    sent.push(body);
    let since = '';
    let seen = false;
    for (let i = 0; i < 20 && !seen; i++) {
      const s = await bob.request(
        'GET',
        `/_matrix/client/v3/sync?timeout=3000${since === '' ? '' : `&since=${since}`}`,
      );
      assert.equal(s.status, 200);
      since = encodeURIComponent(s.json['next_batch'] as string);
      const rooms = s.json['rooms'] as { join?: Record<string, { timeline: { events: { event_id: string }[] } }> };
      seen = rooms?.join?.[roomId]?.timeline.events.some((e) => e.event_id === eventId) ?? false;
    }
    assert.ok(seen, 'bob received the message through /sync');
    assert.ok(((await syncCount()) ?? 0) > before, "the sync worker's metrics count bob's /sync requests");
    const log = await compose('logs', '--no-color', 'synapse-sync-1');
    assert.match(log.stdout + log.stderr, /GET \/_matrix\/client\/v3\/sync/);
    const send = await compose('logs', '--no-color', 'synapse-client-reader-1');
    assert.match(send.stdout + send.stderr, /PUT \/_matrix\/client\/v3\/rooms\/.*\/send\/m\.room\.message/);
  });

  it('--workers 0: back to one process, every file as it was, nothing lost', async () => {
    const r = await lab.mxctl(['scale', 'workers', '--workers', '0', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as WorkersReport;
    assert.equal(report.to, 'one process');
    assert.deepEqual(report.workers, []);
    assert.equal(report.gate?.syncServedBy, undefined);
    assert.deepEqual(await files(), original);
    const { stdout } = await compose('ps', '--all', '--format', '{{.Service}}');
    assert.doesNotMatch(stdout, /redis|synapse-sync|synapse-client-reader/);
    const after = 'after worker mode';
    await bob.send(roomId, after);
    sent.push(after);
    assert.deepEqual((await alice.messages(roomId)).reverse(), sent);
    const again = await lab.mxctl(['scale', 'workers', '--workers', '0', '--yes']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to change/);
  });

  it("federation preset: each worker's config passes Synapse's own config loader", async () => {
    // NOTE: a copy of the lab's synapse/ folder (signing key, log config), the preset's files
    // rendered into it; Synapse reads them in the lab image, no network, nothing started.
    const scratch = await mkdtemp(join(tmpdir(), 'mxlab-workers-config-'));
    try {
      await cp(join(lab.dir, 'synapse'), scratch, { recursive: true });
      const input = {
        preset: 'federation' as const,
        serverName: lab.settings.MX_SERVER_NAME,
        bindAddress: lab.address,
        replicationSecret: 's'.repeat(43),
      };
      const hs = withWorkerBlocks(await readFile(join(scratch, 'homeserver.yaml'), 'utf8'), input);
      assert.ok(hs !== undefined);
      await writeFile(join(scratch, 'homeserver.yaml'), hs);
      for (const w of PRESETS.federation.workers) {
        await writeFile(join(scratch, `${w.name}.yaml`), renderWorkerConfig(w, input));
        const { stdout } = await exec('docker', [
          'run',
          '--rm',
          '--network',
          'none',
          '--user',
          '0',
          '-v',
          `${scratch}:/data`,
          '--entrypoint',
          'python3',
          'element-matrix-lab/synapse-workers:lab',
          '-m',
          'synapse.config',
          '-c',
          '/data/homeserver.yaml',
          '-c',
          `/data/${w.name}.yaml`,
        ]);
        assert.match(stdout, /Config parses OK/, w.name);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
