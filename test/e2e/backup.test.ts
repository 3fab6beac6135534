// Backup and restore, end to end against the real lab: populate (users via registration tokens,
// rooms, 540 messages, images with thumbnails) → mxctl backup → verify → destroy the database
// volume and the media → restore into the fresh stack → every table's row count (but the OTK
// table), every media sha256 and the messages, read as their authors, are as before. Then the
// faults: wrong passphrase, bit flip, truncation, kill -9 mid-backup, two backups at once, disk full.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, truncate, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { httpFetch } from '../../src/adapters/http.ts';
import {
  mediaHashes,
  makePng,
  s3rverSettings,
  sideDatabases,
  synapseStartedAt,
  tableCounts,
} from './backup-fixtures.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { formatSettings } from '../../src/core/settings.ts';
import { writeFileAtomic } from '../../src/adapters/fs.ts';
import { renderRunbook } from '../../src/core/templates/runbook.ts';

const exec = promisify(execFile);

interface ListJson {
  dir: string;
  backups: { id: string; state: string; archive: string; verified_at: string | null }[];
  incomplete: string[];
}

/**
 * Tables whose counts legitimately move while a server runs, so "identical" cannot hold for them
 * between the moment we count and the moment pg_dump snapshots (nor after Synapse restarts):
 * client IP tracking is flushed in batches, and Synapse appends to its cache-invalidation stream
 * when it starts. Everything else must be identical.
 */
// Tables Synapse itself rewrites as it runs: one-time keys (emptied by a restore), client IPs,
// cache invalidations, and the push summaries its background job recomputes from
// event_push_actions minutes or seconds after a start (seen: 2 → 7 rows right after a restore).
const LIVE_TABLES = new Set([
  'e2e_one_time_keys_json',
  'user_ips',
  'cache_invalidation_stream_by_instance',
  'event_push_summary',
]);

describe('backup and restore in the lab', () => {
  let lab: Lab;
  let matrix: string;
  const users: { name: string; password: string }[] = [
    { name: 'alice', password: randomBytes(12).toString('hex') },
    { name: 'bob', password: randomBytes(12).toString('hex') },
    { name: 'carol', password: randomBytes(12).toString('hex') },
  ];
  const rooms: { id: string; bodies: string[] }[] = [];
  let countsBefore: Map<string, number>;
  let mediaBefore: Map<string, string>;
  let backupId: string;

  before(async () => {
    lab = await startLab();
    matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
  });
  /** Damaged archive copies, removed with the lab. */
  const scratch: string[] = [];
  after(async () => {
    await lab?.destroy();
    for (const d of scratch) await rm(d, { recursive: true, force: true });
  });

  async function list(): Promise<ListJson> {
    const r = await lab.mxctl(['backup', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ListJson;
  }

  async function upload(user: MatrixUser, data: Buffer, type: string, name: string): Promise<string> {
    const res = await httpFetch(
      `${matrix}/_matrix/media/v3/upload?filename=${name}`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${user.accessToken ?? ''}`, 'Content-Type': type },
        body: data,
      },
      { ...lab.publicHttp, timeoutMs: 60_000 },
    );
    assert.equal(res.status, 200, res.text());
    return (res.json() as { content_uri: string }).content_uri;
  }

  it('populates: tokens, three users, three rooms, 540 messages, images with thumbnails', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {
        uses_allowed: 5,
      });
      tokens.push(t.token);
    }
    const clients: MatrixUser[] = [];
    for (const u of users) {
      const r = await MatrixUser.register(matrix, lab.publicHttp, u.name, u.password, tokens[0]);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const id = `@${u.name}:${lab.settings.MX_SERVER_NAME}`;
      // NOTE: 540 messages in seconds would hit Synapse's default message rate limit.
      await lab.admin.call('POST', `/_synapse/admin/v1/users/${encodeURIComponent(id)}/override_ratelimit`, {
        messages_per_second: 0,
        burst_count: 0,
      });
      clients.push(await MatrixUser.login(matrix, lab.publicHttp, u.name, u.password));
    }
    const [alice, bob, carol] = clients as [MatrixUser, MatrixUser, MatrixUser];
    const members = [
      [alice, bob],
      [alice, carol],
      [alice, bob, carol],
    ];
    for (const [i, group] of members.entries()) {
      const id = await alice.createRoom(`room ${i}`);
      for (const m of group.slice(1)) {
        const uid = `@${users[clients.indexOf(m)]?.name}:${lab.settings.MX_SERVER_NAME}`;
        assert.equal(
          (await alice.request('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(id)}/invite`, { user_id: uid }))
            .status,
          200,
        );
        assert.equal((await m.request('POST', `/_matrix/client/v3/join/${encodeURIComponent(id)}`, {})).status, 200);
      }
      const bodies: string[] = [];
      for (let n = 0; n < 180; n++) {
        const author = group[n % group.length] as MatrixUser;
        const body = `room ${i} message ${n} ${randomBytes(4).toString('hex')}`;
        await author.send(id, body);
        bodies.push(body);
      }
      rooms.push({ id, bodies });
    }
    for (let k = 0; k < 3; k++) {
      const mxc = await upload(alice, makePng(800, 600, k + 1), 'image/png', `pic${k}.png`);
      await alice.request(
        'PUT',
        `/_matrix/client/v3/rooms/${encodeURIComponent(rooms[0]?.id ?? '')}/send/m.room.message/img${k}`,
        { msgtype: 'm.image', body: `pic${k}.png`, url: mxc },
      );
    }
    await upload(bob, randomBytes(300_000), 'application/octet-stream', 'blob.bin');
    const media = await mediaHashes(lab.dir);
    const thumbs = [...media.keys()].filter((p) => p.startsWith('local_thumbnails/'));
    assert.ok(
      [...media.keys()].filter((p) => p.startsWith('local_content/')).length >= 4,
      'local_content holds the uploads',
    );
    assert.ok(thumbs.length >= 3, `Synapse made thumbnails (${thumbs.length})`);
  });

  it('backup --local-only writes one encrypted archive and its manifest (0600 in a 0700 folder)', async () => {
    await new Promise((r) => setTimeout(r, 6000)); // let Synapse flush its batched client-IP writes
    countsBefore = await tableCounts(lab);
    mediaBefore = await mediaHashes(lab.dir);
    const r = await lab.mxctl(['backup', '--local-only', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      id: string;
      archive: string;
      manifest: string;
      rowCounts: Record<string, number>;
    };
    backupId = report.id;
    assert.match(report.id, /^matrix-backup-\d{4}-\d{2}-\d{2}_\d{6}$/);
    assert.equal((await stat(report.archive)).mode & 0o777, 0o600);
    assert.equal((await stat(join(lab.dir, 'backups'))).mode & 0o777, 0o700);
    const manifest = JSON.parse(await readFile(report.manifest, 'utf8')) as {
      server_name: string;
      synapse_version: string;
      schema_version: number;
      files: { path: string }[];
    };
    assert.equal(manifest.server_name, lab.settings.MX_SERVER_NAME);
    assert.equal(manifest.synapse_version, '1.160.0');
    assert.equal(manifest.schema_version, 94);
    const paths = new Set(manifest.files.map((f) => f.path));
    for (const p of [
      '.env',
      'synapse/homeserver.yaml',
      `synapse/${lab.settings.MX_SERVER_NAME}.signing.key`,
      `synapse/${lab.settings.MX_SERVER_NAME}.log.config`,
      'compose/docker-compose.yml',
      'element/config.json',
      'state/admin.json',
    ]) {
      assert.ok(paths.has(p), `${p} is in the backup`);
    }
    for (const m of mediaBefore.keys()) assert.ok(paths.has(`synapse/media_store/${m}`), `${m} is in the backup`);
    assert.equal(report.rowCounts['users'], countsBefore.get('users'));
    // the archive is OpenPGP (stock gpg reads it), not plaintext
    const head = await readFile(report.archive);
    assert.ok(!head.includes(Buffer.from('PGDMP')), 'no plaintext dump inside');
    const l = await list();
    assert.deepEqual(
      l.backups.map((b) => [b.id, b.state]),
      [[backupId, 'ok']],
    );
  });

  it('backup verify reads every byte back: checksums and pg_restore -f /dev/null', async () => {
    const r = await lab.mxctl(['backup', 'verify', backupId, '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, true);
    assert.ok((await list()).backups[0]?.verified_at !== null);
  });

  it('progress: steps and a byte bar on a terminal, nothing on stderr in a script', async () => {
    // util-linux `script` gives mxctl a pseudo-terminal, as an admin's shell would.
    const cmd = `${process.execPath} bin/mxctl.mjs --dir ${lab.dir} backup verify ${backupId}`;
    const tty = await exec('script', ['-qefc', cmd, '/dev/null'], { env: { ...process.env, COLUMNS: '100' } });
    assert.match(tty.stdout, /… verifying/);
    assert.match(tty.stdout, /\r\S+ \[[#-]+\] +\d+% {2}[\d.]+ \w+ \/ [\d.]+ \w+/, 'a bar with percentage and amounts');
    assert.match(tty.stdout, /verified/);
    const piped = await lab.mxctl(['backup', 'verify', backupId]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'no progress in a script');
    assert.match(piped.stdout, /verified/);
  });

  it('destroys the data: database volume and media gone, the fresh stack has no users', async () => {
    await exec('docker', ['compose', 'down', '--volumes', '--timeout', '20'], { cwd: join(lab.dir, 'compose') });
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_content'), { recursive: true, force: true });
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_thumbnails'), { recursive: true, force: true });
    const up = await lab.mxctl(['up']);
    assert.equal(up.code, 0, up.stderr);
    const counts = await tableCounts(lab);
    assert.equal(counts.get('users'), 0);
    assert.equal((await mediaHashes(lab.dir)).size, 0);
  });

  it('restore: pre-flight, safety backup, database + media + config back, read-only checklist passes', async () => {
    const r = await lab.mxctl(['restore', backupId, '--yes', '--checks', 'read-only', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      safetyBackup?: string;
      checks: { name: string; ok: boolean; detail: string }[];
      reusedMedia: { files: number };
    };
    assert.ok(
      report.checks.every((c) => c.ok),
      JSON.stringify(report.checks),
    );
    assert.match(report.safetyBackup ?? '', /-pre-restore$/);
    assert.equal(report.reusedMedia.files, 0, 'no live media to reuse: every file written');
    const counts = await tableCounts(lab);
    const differ: string[] = [];
    for (const [t, n] of countsBefore) {
      if (LIVE_TABLES.has(t)) continue;
      if (counts.get(t) !== n) differ.push(`${t}: ${n} → ${counts.get(t)}`);
    }
    assert.deepEqual(differ, [], 'every table has its row count back');
    assert.equal(counts.get('e2e_one_time_keys_json'), 0, 'one-time keys are not restored');
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore, 'every media file is back, byte for byte');
  });

  it('the messages are readable again as their authors, through nginx', async () => {
    for (const u of users.slice(0, 2)) {
      const c = await MatrixUser.login(matrix, lab.publicHttp, u.name, u.password);
      const bodies = await c.messages(rooms[0]?.id ?? '');
      const expected = rooms[0]?.bodies.slice(-90) ?? [];
      for (const b of expected) assert.ok(bodies.includes(b), `${u.name} reads "${b}"`);
    }
  });

  it('restore with the full checklist: admin login, counts, media sha256, scratch message, clean log', async () => {
    const r = await lab.mxctl(['restore', backupId, '--yes', '--no-safety-backup', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean }[]; reusedMedia: { files: number } };
    // Onto the same server: the media are unchanged, so linked rather than written again.
    assert.equal(report.reusedMedia.files, mediaBefore.size);
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore);
    assert.deepEqual(
      report.checks.map((c) => c.name),
      [
        'admin login',
        'rooms and messages present',
        'a media file downloads with the same sha256',
        'a test message is sent and received in a scratch room',
        "no ERROR in Synapse's log since the restore started",
      ],
    );
    assert.ok(report.checks.every((c) => c.ok));
  });

  it('restore WITHOUT mxctl: the exact steps of docs/RUNBOOK.md bring everything back', async () => {
    await exec('docker', ['compose', 'down', '--volumes', '--timeout', '20'], { cwd: join(lab.dir, 'compose') });
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_content'), { recursive: true, force: true });
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_thumbnails'), { recursive: true, force: true });
    const runbook = renderRunbook(lab.settings);
    const section = runbook.slice(runbook.indexOf('### Restore without mxctl'));
    const script = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    assert.match(script, /gpg [\s\S]*--decrypt/);
    // The one edit a reader makes: which backup to restore.
    const steps = script.replace('matrix-backup-YYYY-MM-DD_HHMMSS', backupId);
    const passphrase = (await readSettings(lab.dir)).BACKUP_PASSPHRASE;
    await new Promise<void>((resolve, reject) => {
      const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', steps], {
        cwd: lab.dir,
        stdio: ['pipe', 'inherit', 'inherit'],
      });
      child.stdin.end(`${passphrase}\n`);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the runbook steps exited with ${code}`))));
    });
    const counts = await tableCounts(lab);
    const differ = [...countsBefore]
      .filter(([t, n]) => !LIVE_TABLES.has(t) && counts.get(t) !== n)
      .map(([t, n]) => `${t}: ${n} → ${counts.get(t)}`);
    assert.deepEqual(differ, []);
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore);
    const bob = await MatrixUser.login(matrix, lab.publicHttp, 'bob', users[1]?.password ?? '');
    assert.ok((await bob.messages(rooms[0]?.id ?? '')).includes(rooms[0]?.bodies.at(-1) ?? 'x'));
    assert.deepEqual(
      (await readdir(lab.dir)).filter((n) => n === 'restore-tmp'),
      [],
      'the plaintext is gone',
    );
  });

  /** mxctl started in the background, to be killed: its exit is awaited from the start (it may
   * end before the kill), and its stderr kept to explain an early end. */
  function background(args: string[]): {
    pid: number | undefined;
    kill: () => void;
    exited: Promise<number | null>;
    stderr: () => string;
  } {
    const child = spawn(process.execPath, ['bin/mxctl.mjs', '--dir', lab.dir, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { pid: child.pid, kill: () => child.kill('SIGKILL'), exited, stderr: () => err };
  }

  async function damagedCopy(name: string, damage: (path: string) => Promise<void>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mxbk-'));
    scratch.push(dir);
    const path = join(dir, `${name}.tar.gpg`);
    await copyFile(join(lab.dir, 'backups', `${backupId}.tar.gpg`), path);
    await damage(path);
    return path;
  }

  async function assertRefusedUnchanged(archive: string, code: number, message: RegExp): Promise<void> {
    const before = await tableCounts(lab);
    const started = await synapseStartedAt(lab);
    const v = await lab.mxctl(['backup', 'verify', archive]);
    assert.equal(v.code, code, v.stderr + v.stdout);
    assert.match(v.stderr + v.stdout, message);
    const r = await lab.mxctl(['restore', archive, '--yes']);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, message);
    const after = await tableCounts(lab);
    assert.deepEqual(
      [...before].filter(([t, n]) => !LIVE_TABLES.has(t) && after.get(t) !== n),
      [],
      'nothing changed',
    );
    assert.deepEqual(
      (await readdir(lab.dir)).filter((n) => n.startsWith('.restore-')),
      [],
      'no staging left',
    );
    assert.deepEqual(await sideDatabases(lab), [], 'no side database left');
    assert.equal(await synapseStartedAt(lab), started, 'Synapse was never stopped');
  }

  it('a bit flip in the archive: verify fails, restore refuses before any change', async () => {
    const path = await damagedCopy('matrix-backup-2000-01-01_000000', async (p) => {
      const size = (await stat(p)).size;
      const h = await open(p, 'r+');
      const b = Buffer.alloc(1);
      await h.read(b, 0, 1, Math.floor(size / 2));
      b[0] = (b[0] ?? 0) ^ 0x10;
      await h.write(b, 0, 1, Math.floor(size / 2));
      await h.close();
    });
    await assertRefusedUnchanged(path, 8, /damaged|corrupt|gpg/i);
  });

  it('a truncated archive: verify fails, restore refuses before any change', async () => {
    const path = await damagedCopy('matrix-backup-2000-01-01_000001', async (p) =>
      truncate(p, Math.floor((await stat(p)).size * 0.6)),
    );
    await assertRefusedUnchanged(path, 8, /truncated|damaged|gpg/i);
  });

  it('the wrong passphrase: a clear error naming the passphrase, nothing changed', async () => {
    const s = await readSettings(lab.dir);
    const good = s.BACKUP_PASSPHRASE;
    await writeFileAtomic(
      join(lab.dir, '.env'),
      formatSettings({ ...s, BACKUP_PASSPHRASE: randomBytes(40).toString('base64url') }),
      0o600,
    );
    try {
      await assertRefusedUnchanged(join(lab.dir, 'backups', `${backupId}.tar.gpg`), 8, /passphrase is wrong/);
    } finally {
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings({ ...s, BACKUP_PASSPHRASE: good }), 0o600);
    }
  });

  it('two backups at once: one runs, the other is refused by the lock; both leave a consistent list', async () => {
    const [a, b] = await Promise.all([lab.mxctl(['backup', '--local-only']), lab.mxctl(['backup', '--local-only'])]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 7], a.stderr + b.stderr);
    assert.match(a.stderr + b.stderr, /Another backup or restore is running/);
    assert.ok((await list()).backups.every((x) => x.state === 'ok'));
  });

  it('kill -9 during a backup: nothing half-written is listed, the next run succeeds and clears the leftovers', async () => {
    const before = (await list()).backups.map((b) => b.id);
    const backups = join(lab.dir, 'backups');
    const child = background(['backup', '--local-only']);
    // Kill it mid-stream: as soon as the partial archive exists.
    const deadline = Date.now() + 60_000;
    while (!(await readdir(backups)).some((n) => n.endsWith('.partial')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill();
    await child.exited;
    assert.ok(
      (await readdir(backups)).some((n) => n.endsWith('.partial')),
      'killed while writing',
    );
    const after = await list();
    assert.deepEqual(
      after.backups.map((b) => b.id),
      before,
      'the killed run is not a backup',
    );
    const r = await lab.mxctl(['backup', '--local-only', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await list()).backups.length, before.length + 1);
    assert.deepEqual(
      (await readdir(backups)).filter((n) => n.endsWith('.partial')),
      [],
      'the leftover partial was removed',
    );
  });

  it('disk full during a backup: a permanent failure that cleans up', async () => {
    const mnt = await mkdtemp(join(tmpdir(), 'mxfull-'));
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]);
    const s = await readSettings(lab.dir);
    try {
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings({ ...s, BACKUP_DIR: mnt }), 0o600);
      const r = await lab.mxctl(['backup', '--local-only']);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /ran out of space/);
      assert.deepEqual(
        (await readdir(mnt)).filter((n) => !n.startsWith('.mxctl-backup.lock')),
        [],
        'nothing left behind',
      );
    } finally {
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings(s), 0o600);
      await exec('umount', [mnt]).catch(() => undefined);
      await rm(mnt, { recursive: true, force: true });
    }
  });
  it('kill -9 while the archive loads into the side database: the live server is untouched; the next restore clears the leftovers', async () => {
    const before = await tableCounts(lab);
    const started = await synapseStartedAt(lab);
    const child = background(['restore', backupId, '--yes', '--no-safety-backup']);
    const deadline = Date.now() + 60_000;
    let ended = false;
    void child.exited.then(() => (ended = true));
    while (!ended && (await sideDatabases(lab)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(!ended, `the restore ended before the kill: ${child.stderr()}`);
    assert.deepEqual(
      await sideDatabases(lab),
      [`${lab.settings.POSTGRES_DB}_mxctl_restore`],
      'the side database was being filled',
    );
    await new Promise((r) => setTimeout(r, 500));
    child.kill();
    await child.exited;
    assert.equal(await synapseStartedAt(lab), started, 'Synapse was never stopped');
    const after = await tableCounts(lab);
    assert.deepEqual(
      [...before].filter(([t, n]) => !LIVE_TABLES.has(t) && after.get(t) !== n),
      [],
      'the live database is unchanged',
    );
    assert.equal(
      (await httpFetch(`https://${lab.settings.MX_MATRIX_HOST}/_matrix/client/versions`, {}, lab.publicHttp)).status,
      200,
      'still serving clients',
    );
    const r = await lab.mxctl(['restore', backupId, '--yes', '--no-safety-backup', '--checks', 'read-only', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(await sideDatabases(lab), [], 'the leftover side database is gone');
    assert.deepEqual(
      (await readdir(lab.dir)).filter((n) => n.startsWith('.restore-')),
      [],
      'the killed run left no plaintext staging',
    );
  });

  it('kill -9 during a restore: the safety backup brings the server back', async () => {
    const before = await tableCounts(lab);
    const backups = join(lab.dir, 'backups');
    const had = new Set(await readdir(backups));
    const child = background(['restore', backupId, '--yes']);
    // Kill it at the worst point: the restored database is swapped in (the old one is still
    // there as <db>_mxctl_replaced) while config and media are being put back.
    const deadline = Date.now() + 180_000;
    const swapped = `${lab.settings.POSTGRES_DB}_mxctl_replaced`;
    let ended = false;
    void child.exited.then(() => (ended = true));
    while (!ended && !(await sideDatabases(lab)).includes(swapped) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const endedBeforeKill = ended;
    child.kill();
    await child.exited;
    assert.ok(!endedBeforeKill, `the restore ended before the kill: ${child.stderr()}`);
    assert.ok((await sideDatabases(lab)).includes(swapped), 'killed after the swap');
    const safety = (await readdir(backups)).find((n) => !had.has(n) && n.endsWith('-pre-restore.manifest.json'));
    assert.ok(safety !== undefined, 'the safety backup was written before anything changed');
    const id = safety.replace('.manifest.json', '');
    const r = await lab.mxctl(['restore', id, '--no-safety-backup', '--yes', '--checks', 'read-only', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const after = await tableCounts(lab);
    const differ = [...before]
      .filter(([t, n]) => !LIVE_TABLES.has(t) && after.get(t) !== n)
      .map(([t, n]) => `${t}: ${n} → ${after.get(t)}`);
    assert.deepEqual(differ, [], 'the state before the killed restore is back');
    assert.deepEqual(
      (await readdir(lab.dir)).filter((n) => n.startsWith('.restore-')),
      [],
      'the killed run left no plaintext staging',
    );
  });

  it('offsite to S3: every backup uploaded and checksum-verified, manifest last; endpoint down keeps the local archive; the next run catches up; restore --from-offsite', async () => {
    const store = await mkdtemp(join(tmpdir(), 'mxs3-'));
    const start = async (port = 0) => {
      const srv = new S3rver({
        address: '127.0.0.1',
        port,
        silent: true,
        directory: store,
        configureBuckets: [{ name: 'matrix-backups' }],
      });
      return { srv, port: (await srv.run()).port };
    };
    const stop = async (srv: S3rver) => {
      srv.httpServer.closeAllConnections?.();
      await srv.close();
    };
    const first = await start();
    let srv = first.srv;
    const port = first.port;
    const s = await readSettings(lab.dir);
    const s3 = s3rverSettings(port);
    const client = new S3Client({
      endpoint: s3.S3_ENDPOINT,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const remoteKeys = async () =>
      ((await client.send(new ListObjectsV2Command({ Bucket: 'matrix-backups', Prefix: 'lab/' }))).Contents ?? []).map(
        (o) => o.Key ?? '',
      );
    try {
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings({ ...s, ...s3 }), 0o600);
      const r = await lab.mxctl(['backup', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const local = (await list()).backups.filter((b) => b.state === 'ok');
      const keys = await remoteKeys();
      for (const b of local) {
        assert.ok(
          keys.includes(`lab/${b.id}.tar.gpg`) && keys.includes(`lab/${b.id}.manifest.json`),
          `${b.id} is offsite`,
        );
      }
      const newest = local.at(-1);
      const obj = await client.send(
        new GetObjectCommand({ Bucket: 'matrix-backups', Key: `lab/${newest?.id}.tar.gpg` }),
      );
      const remoteSha = createHash('sha256')
        .update(Buffer.from((await obj.Body?.transformToByteArray()) ?? []))
        .digest('hex');
      assert.equal(
        remoteSha,
        createHash('sha256')
          .update(await readFile(newest?.archive ?? ''))
          .digest('hex'),
        'the offsite copy is byte-identical',
      );

      await stop(srv);
      const down = await lab.mxctl(['backup']);
      assert.equal(down.code, 14, down.stderr);
      assert.match(down.stderr, /local backup .* is complete, but the offsite upload failed/);
      const listed = await list();
      const missing = listed.backups.at(-1);
      assert.equal(missing?.state, 'ok', 'the local archive is kept and listed');

      ({ srv } = await start(port));
      const again = await lab.mxctl(['backup', '--json']);
      assert.equal(again.code, 0, again.stderr);
      const uploaded = (JSON.parse(again.stdout) as { offsite: { uploaded: string[] } }).offsite.uploaded;
      assert.ok(uploaded.includes(missing?.id ?? ''), 'the backup missed while the endpoint was down is uploaded now');
      const after = await remoteKeys();
      for (const b of (await list()).backups) assert.ok(after.includes(`lab/${b.id}.manifest.json`), `${b.id} offsite`);

      // This machine lost its copy: restore straight from the bucket.
      const lost = missing?.id ?? '';
      await rm(join(lab.dir, 'backups', `${lost}.manifest.json`));
      await rm(join(lab.dir, 'backups', `${lost}.tar.gpg`));
      const fromS3 = await lab.mxctl([
        'restore',
        lost,
        '--from-offsite',
        '--yes',
        '--no-safety-backup',
        '--checks',
        'read-only',
        '--json',
      ]);
      assert.equal(fromS3.code, 0, fromS3.stderr + fromS3.stdout);
      assert.ok(
        (await list()).backups.some((b) => b.id === lost && b.state === 'ok'),
        'downloaded back into backups/',
      );
    } finally {
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings(s), 0o600);
      await stop(srv).catch(() => undefined);
      await rm(store, { recursive: true, force: true });
    }
  });
});
