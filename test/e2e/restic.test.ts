// Repository mode (BACKUP_MODE=repository, restic) end to end against the real lab, one lab for
// every test: a backup is three snapshots with the manifest last; a second backup after a ~1 %
// media change adds about that much to the repository (printed); verify with a data subset; two
// runs at once (the second refused); kill -9 of the whole run (mxctl, restic, the dump) and the
// next run clears restic's stale lock; the round trip (users, messages, media sha256s back); the
// runbook's stock restic steps run as written; a wrong password; prune (a failed listing deletes
// nothing, the newest verified kept); the restore drill (restore-test) from the repository; a
// repository offsite through an rclone remote on s3rver (backup, list, restore); kill -9 during a
// restore; the S3 endpoint down; the repository's disk full; a damaged pack (verify fails,
// restore refuses first).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import {
  mediaHashes,
  rcloneConfFor,
  sideDatabases,
  startS3Endpoint,
  synapseStartedAt,
  tableCounts,
  uploadMedia,
} from './backup-fixtures.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { formatSettings } from '../../src/core/settings.ts';
import type { Settings } from '../../src/core/settings.ts';
import { writeFileAtomic } from '../../src/adapters/fs.ts';
import { renderRunbook } from '../../src/core/templates/runbook.ts';

const exec = promisify(execFile);

// NOTE: rclone 1.60's s3 backend fails at once when AWS_CA_BUNDLE is set (backup-fixtures.ts).
delete process.env['AWS_CA_BUNDLE'];

// Tables Synapse rewrites as it runs (see backup.test.ts): not compared.
const LIVE_TABLES = new Set([
  'e2e_one_time_keys_json',
  'user_ips',
  'cache_invalidation_stream_by_instance',
  'event_push_summary',
]);

interface RepoList {
  repository: {
    location: string;
    backups: { id: string; created_at: string; verified_at: string | null }[];
    incomplete: string[];
  } | null;
}

interface BackupJson {
  id: string;
  repository?: { location: string; addedBytes: number };
}

describe('repository mode (restic) in the lab', () => {
  let lab: Lab;
  let settings: Settings;
  let repo: string;
  let mediaBytes = 0;
  const password = randomBytes(12).toString('hex');

  const setEnv = (s: Settings) => writeFileAtomic(join(lab.dir, '.env'), formatSettings(s), 0o600);

  before(async () => {
    lab = await startLab();
    settings = { ...(await readSettings(lab.dir)), BACKUP_MODE: 'repository' };
    await setEnv(settings);
    repo = join(lab.dir, 'backups', 'restic');
  });
  after(async () => {
    await lab?.destroy();
  });

  async function list(): Promise<NonNullable<RepoList['repository']>> {
    const r = await lab.mxctl(['backup', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const l = JSON.parse(r.stdout) as RepoList;
    assert.ok(l.repository !== null, 'the repository is listed');
    return l.repository;
  }

  async function backup(): Promise<BackupJson> {
    const r = await lab.mxctl(['backup', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as BackupJson;
  }

  it('populates: a user, a room with 60 messages, 40 media files (~4 MB)', async () => {
    const t = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {});
    const matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
    assert.equal((await MatrixUser.register(matrix, lab.publicHttp, 'dana', password, t.token)).status, 200);
    // NOTE: 60 messages in seconds would hit Synapse's default message rate limit.
    await lab.admin.call(
      'POST',
      `/_synapse/admin/v1/users/${encodeURIComponent(`@dana:${lab.settings.MX_SERVER_NAME}`)}/override_ratelimit`,
      { messages_per_second: 0, burst_count: 0 },
    );
    const dana = await MatrixUser.login(matrix, lab.publicHttp, 'dana', password);
    const room = await dana.createRoom('restic');
    for (let n = 0; n < 60; n++) await dana.send(room, `message ${n}`);
    for (let i = 0; i < 40; i++) {
      const body = randomBytes(100_000);
      mediaBytes += body.length;
      await uploadMedia(lab, body, `m${i}.bin`);
    }
  });

  it('backup writes three snapshots tagged with its id, the manifest last; list reads only complete ones', async () => {
    const r = await backup();
    assert.ok(r.repository !== undefined);
    const l = await list();
    assert.deepEqual(
      l.backups.map((b) => b.id),
      [r.id],
    );
    assert.equal((await stat(repo)).isDirectory(), true);
    const env = { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: settings.BACKUP_PASSPHRASE };
    const snaps = JSON.parse((await exec('restic', ['snapshots', '--json'], { env })).stdout) as {
      time: string;
      tags: string[];
    }[];
    const parts = snaps
      .sort((a, b) => a.time.localeCompare(b.time))
      .map((s) => s.tags.find((t) => t.startsWith('mxctl-part=')));
    assert.deepEqual(parts, ['mxctl-part=database', 'mxctl-part=files', 'mxctl-part=manifest']);
    for (const s of snaps) assert.ok(s.tags.includes(`mxctl-backup=${r.id}`));
  });

  it('a second backup after a ~1 % media change adds about that much to the repository', async () => {
    assert.ok(mediaBytes > 0, 'the media were uploaded');
    const first = (await exec('du', ['-sb', repo])).stdout.split('\t')[0];
    const change = randomBytes(Math.round(mediaBytes / 100));
    await uploadMedia(lab, change, 'change.bin');
    const r = await backup();
    const after = (await exec('du', ['-sb', repo])).stdout.split('\t')[0];
    const grew = Number(after) - Number(first);
    const added = r.repository?.addedBytes ?? -1;
    console.log(
      `[restic] media ${mediaBytes} B, change ${change.length} B: restic data_added ${added} B, repository grew ${grew} B (first backup: ${first} B)`,
    );
    // The change is random (incompressible); the rest is the database's changed chunks, the
    // trees and the manifest: well under the first backup, within a few hundred KiB of the change.
    assert.ok(grew >= change.length, 'the change itself was stored');
    assert.ok(grew < change.length + 1_500_000, `the repository grew ${grew} B for a ${change.length} B change`);
    assert.ok(grew < Number(first) / 3, 'far less than a full backup');
  });

  it('verify: restic check with a data subset, and the dump read back against its manifest', async () => {
    const r = await lab.mxctl(['backup', 'verify', '--read-data-subset', '50%', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { ok: boolean; check: { tier: string } };
    assert.equal(v.ok, true);
    assert.equal(v.check.tier, 'read-data-subset 50%');
    assert.ok((await list()).backups.at(-1)?.verified_at !== null, 'recorded as verified');
    const bad = await lab.mxctl(['backup', 'verify', '--read-data-subset', 'lots']);
    assert.equal(bad.code, 2, bad.stderr);
  });

  function background(args: string[]): { pid: number; exited: Promise<number | null>; stderr: () => string } {
    // detached: its own process group, so a kill takes restic and the dump with it (as a machine
    // crash or systemd's stop of the unit would).
    const child = spawn(process.execPath, ['bin/mxctl.mjs', '--dir', lab.dir, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { pid: child.pid ?? 0, exited, stderr: () => err };
  }

  async function resticLocks(): Promise<string[]> {
    // NOTE: a lock file is named by its id; `ID-tmp-N` is one a killed restic was still writing
    // (its local backend writes, then renames), which restic never reads as a lock.
    return (await readdir(join(repo, 'locks')).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  it('two runs at once: one runs, the other is refused by the lock', async () => {
    const before = (await list()).backups.length;
    const [a, b] = await Promise.all([lab.mxctl(['backup']), lab.mxctl(['backup'])]);
    assert.deepEqual([a.code, b.code].sort(), [0, 7], a.stderr + b.stderr);
    assert.match(a.stderr + b.stderr, /Another backup or restore is running/);
    assert.equal((await list()).backups.length, before + 1);
  });

  it('kill -9 during a backup: not listed; the next run clears the stale restic lock and succeeds', async () => {
    const before = (await list()).backups.map((b) => b.id);
    const child = background(['backup']);
    const deadline = Date.now() + 60_000;
    while ((await resticLocks()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid, 'SIGKILL');
    await child.exited;
    assert.ok((await resticLocks()).length > 0, 'killed while restic held its lock');
    assert.deepEqual(
      (await list()).backups.map((b) => b.id),
      before,
      'the killed run is not a backup',
    );
    const r = await backup();
    assert.equal((await list()).backups.at(-1)?.id, r.id);
    assert.deepEqual(await resticLocks(), [], 'no lock left');
  });

  it('round trip: media removed and a user added after the backup; restore latest brings the backup state back', async () => {
    await new Promise((r) => setTimeout(r, 6000)); // Synapse's batched client-IP writes
    const countsBefore = await tableCounts(lab);
    const mediaBefore = await mediaHashes(lab.dir);
    const b = await backup();
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_content'), { recursive: true, force: true });
    await lab.admin.call(
      'PUT',
      `/_synapse/admin/v2/users/${encodeURIComponent(`@late:${lab.settings.MX_SERVER_NAME}`)}`,
      {
        password: randomBytes(12).toString('hex'),
      },
    );
    // NOTE: read-only checks: the full checklist's scratch room would add events to compare.
    const r = await lab.mxctl(['restore', 'latest', '--yes', '--checks', 'read-only', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { id: string; ok: boolean; safetyBackup?: string };
    assert.equal(report.id, b.id);
    assert.ok(report.ok);
    assert.ok(report.safetyBackup !== undefined, 'a safety backup (in the repository) came first');
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore, 'every media sha256 is back');
    const countsAfter = await tableCounts(lab);
    for (const [table, n] of countsBefore)
      if (!LIVE_TABLES.has(table)) assert.equal(countsAfter.get(table), n, `${table} rows`);
    const matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
    const dana = await MatrixUser.login(matrix, lab.publicHttp, 'dana', password);
    assert.ok(dana.accessToken !== undefined, 'the user logs in after the restore');
  });

  it("restore WITHOUT mxctl: the runbook's stock restic steps, run exactly as written, bring everything back", async () => {
    await new Promise((r) => setTimeout(r, 6000));
    const countsBefore = await tableCounts(lab);
    const mediaBefore = await mediaHashes(lab.dir);
    await backup();
    await exec('docker', ['compose', 'down', '--volumes', '--timeout', '20'], { cwd: join(lab.dir, 'compose') });
    await rm(join(lab.dir, 'synapse', 'media_store', 'local_content'), { recursive: true, force: true });
    const runbook = renderRunbook(lab.settings);
    const section = runbook.slice(runbook.indexOf('### Restore from the restic repository without mxctl'));
    const script = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    assert.match(script, /restic restore/);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], {
        cwd: lab.dir,
        stdio: ['pipe', 'inherit', 'inherit'],
      });
      child.stdin.end(`${settings.BACKUP_PASSPHRASE}\n`);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the runbook steps exited with ${code}`))));
    });
    const counts = await tableCounts(lab);
    const differ = [...countsBefore]
      .filter(([t, n]) => !LIVE_TABLES.has(t) && counts.get(t) !== n)
      .map(([t, n]) => `${t}: ${n} → ${counts.get(t)}`);
    assert.deepEqual(differ, []);
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore);
    assert.deepEqual(
      (await readdir(lab.dir)).filter((n) => n === 'restore-tmp'),
      [],
      'the plaintext is gone',
    );
    const matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
    await MatrixUser.login(matrix, lab.publicHttp, 'dana', password);
  });

  it('a wrong password: a clear error, nothing changed', async () => {
    const wrong = { ...settings, BACKUP_PASSPHRASE: randomBytes(40).toString('base64url') };
    await setEnv(wrong);
    try {
      const r = await lab.mxctl(['restore', 'latest', '--yes']);
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /wrong password/);
      assert.ok(!r.stderr.includes(wrong.BACKUP_PASSPHRASE), 'the password is not in the error');
    } finally {
      await setEnv(settings);
    }
  });

  it('prune: a failed listing deletes nothing; then the policy, the newest verified kept, runs cut short removed', async () => {
    const before = await list();
    assert.ok(before.backups.length >= 4, `several backups (${before.backups.length})`);
    await setEnv({ ...settings, BACKUP_PASSPHRASE: randomBytes(40).toString('base64url') });
    try {
      const failed = await lab.mxctl([
        'backup',
        'prune',
        '--keep-daily',
        '1',
        '--keep-weekly',
        '0',
        '--keep-monthly',
        '0',
      ]);
      assert.equal(failed.code, 6, failed.stderr);
      assert.match(failed.stderr, /nothing was pruned/);
    } finally {
      await setEnv(settings);
    }
    assert.deepEqual(await list(), before, 'nothing deleted');
    const verified = before.backups.filter((b) => b.verified_at !== null).at(-1)?.id;
    assert.ok(verified !== undefined, 'a verified backup exists (the verify test)');
    const r = await lab.mxctl([
      'backup',
      'prune',
      '--keep-daily',
      '1',
      '--keep-weekly',
      '0',
      '--keep-monthly',
      '0',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const after = await list();
    assert.deepEqual(
      after.backups.map((b) => b.id).sort(),
      [...new Set([before.backups.at(-1)?.id, verified])].sort(),
      'the newest and the newest verified are kept',
    );
    assert.deepEqual(after.incomplete, [], "the killed run's snapshots are gone");
  });

  it('restore-test: the monthly drill restores the latest repository backup into a stack of its own, production untouched', async () => {
    const b = await backup();
    const drillAddress = lab.address.replace(/^127\.0\.0\./, '127.0.1.');
    const mediaBefore = await mediaHashes(lab.dir);
    const started = await synapseStartedAt(lab);
    const x = await lab.mxctl(['restore-test', 'latest', '--address', drillAddress, '--json']);
    assert.equal(x.code, 0, x.stderr + x.stdout);
    const r = JSON.parse(x.stdout) as {
      id: string;
      ok: boolean;
      archive: string;
      checks: { name: string; ok: boolean }[];
    };
    assert.equal(r.id, b.id);
    assert.ok(r.ok, JSON.stringify(r.checks));
    assert.match(r.archive, /snapshots of/);
    assert.ok(
      r.checks.some((c) => /repository's snapshots match their manifest/.test(c.name) && c.ok),
      JSON.stringify(r.checks),
    );
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore, 'production media untouched');
    assert.equal(await synapseStartedAt(lab), started, "production's Synapse was not restarted");
  });

  it("offsite: a repository through an rclone remote on the lab's S3 endpoint: backup, list, restore", async () => {
    const store = await mkdtemp(join(tmpdir(), 'mxrestic-s3-'));
    const s3 = await startS3Endpoint(store, 'matrix-backups');
    const remote = 'rclone:offsite:matrix-backups/restic';
    try {
      await writeFile(join(lab.dir, 'rclone.conf'), rcloneConfFor(s3.port), { mode: 0o600 });
      await setEnv({ ...settings, RESTIC_REPOSITORY: remote, RCLONE_CONFIG: 'rclone.conf' });
      const mediaBefore = await mediaHashes(lab.dir);
      const b = await backup();
      assert.equal(b.repository?.location, remote);
      const l = await list();
      assert.equal(l.location, remote);
      assert.deepEqual(
        l.backups.map((x) => x.id),
        [b.id],
        'the new repository holds this backup',
      );
      await rm(join(lab.dir, 'synapse', 'media_store', 'local_content'), { recursive: true, force: true });
      const r = await lab.mxctl(['restore', 'latest', '--yes', '--checks', 'read-only', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { id: string }).id, b.id);
      // At once after a restore, Synapse answers while Docker has not run its first check yet.
      const st = await lab.mxctl(['status', '--json']);
      assert.equal(st.code, 0, st.stderr + st.stdout);
      assert.deepEqual(await mediaHashes(lab.dir), mediaBefore, 'every media sha256 is back, from the remote');
    } finally {
      await setEnv(settings);
      await s3.stop();
      await rm(store, { recursive: true, force: true });
    }
  });

  it('kill -9 while a restore loads the repository into the side database: production untouched; the next restore clears the leftovers', async () => {
    await new Promise((r) => setTimeout(r, 6000)); // Synapse's batched client-IP writes
    const before = await tableCounts(lab);
    const mediaBefore = await mediaHashes(lab.dir);
    const started = await synapseStartedAt(lab);
    const child = background(['restore', 'latest', '--yes', '--no-safety-backup']);
    let ended = false;
    void child.exited.then(() => (ended = true));
    const deadline = Date.now() + 120_000;
    while (!ended && (await sideDatabases(lab)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(!ended, `the restore ended before the kill: ${child.stderr()}`);
    process.kill(-child.pid, 'SIGKILL');
    await child.exited;
    assert.equal(await synapseStartedAt(lab), started, 'Synapse was never stopped');
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore, 'media untouched');
    const after = await tableCounts(lab);
    assert.deepEqual(
      [...before].filter(([t, n]) => !LIVE_TABLES.has(t) && after.get(t) !== n),
      [],
      'the live database is unchanged',
    );
    const r = await lab.mxctl(['restore', 'latest', '--yes', '--no-safety-backup', '--checks', 'read-only']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await sideDatabases(lab), [], 'the leftover side database is gone');
    assert.deepEqual(await resticLocks(), [], "the killed restic's lock is gone");
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore);
  });

  it('the S3 endpoint down (an rclone remote): backup fails saying the storage did not answer, nothing recorded; back up: the next run succeeds', async () => {
    const store = await mkdtemp(join(tmpdir(), 'mxrestic-s3-'));
    const s3 = await startS3Endpoint(store, 'matrix-backups');
    try {
      await writeFile(join(lab.dir, 'rclone.conf'), rcloneConfFor(s3.port), { mode: 0o600 });
      await setEnv({
        ...settings,
        RESTIC_REPOSITORY: 'rclone:offsite:matrix-backups/down',
        RCLONE_CONFIG: 'rclone.conf',
      });
      const first = await backup();
      await s3.stop();
      const down = await lab.mxctl(['backup']);
      assert.equal(down.code, 14, down.stderr);
      assert.match(down.stderr, /did not answer/);
      assert.ok(!down.stderr.includes(settings.BACKUP_PASSPHRASE), 'no secret in the error');
      await s3.start();
      assert.deepEqual(
        (await list()).backups.map((b) => b.id),
        [first.id],
        'the failed run is not a backup',
      );
      const next = await backup();
      assert.deepEqual(
        (await list()).backups.map((b) => b.id),
        [first.id, next.id],
      );
    } finally {
      await setEnv(settings);
      await s3.stop();
      await rm(store, { recursive: true, force: true });
    }
  });

  it("the repository's disk full: the backup fails with E_NO_SPACE and is not listed; restic check passes; with room the next run succeeds", async () => {
    const mnt = await mkdtemp(join(tmpdir(), 'mxrestic-full-'));
    // NOTE: smaller than one backup (the media alone are ~4 MB), larger than an empty repository.
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    const small = join(mnt, 'repo');
    try {
      await setEnv({ ...settings, RESTIC_REPOSITORY: small });
      const full = await lab.mxctl(['backup']);
      assert.equal(full.code, 6, full.stderr);
      assert.match(full.stderr, /no space|ran out of space/i);
      assert.deepEqual((await list()).backups, [], 'nothing recorded');
      const env = { ...process.env, RESTIC_REPOSITORY: small, RESTIC_PASSWORD: settings.BACKUP_PASSPHRASE };
      await exec('restic', ['unlock'], { env });
      const check = await exec('restic', ['check'], { env });
      assert.match(check.stdout, /no errors were found/);
      await exec('mount', ['-o', 'remount,size=256m', mnt]);
      const b = await backup();
      assert.deepEqual(
        (await list()).backups.map((x) => x.id),
        [b.id],
      );
    } finally {
      await setEnv(settings);
      await exec('umount', [mnt]).catch(() => undefined);
      await rm(mnt, { recursive: true, force: true });
    }
  });

  it('a damaged pack file: verify --read-data fails, restore refuses before changing anything', async () => {
    const packs: { path: string; size: number }[] = [];
    for (const sub of await readdir(join(repo, 'data')))
      for (const name of await readdir(join(repo, 'data', sub))) {
        const path = join(repo, 'data', sub, name);
        packs.push({ path, size: (await stat(path)).size });
      }
    // Every pack damaged in its middle: whichever the latest backup reads, it meets one.
    for (const p of packs) {
      const f = await open(p.path, 'r+');
      try {
        const at = Math.floor(p.size / 2);
        const buf = Buffer.alloc(16);
        await f.read(buf, 0, 16, at);
        for (let i = 0; i < 16; i++) buf[i] = (buf[i] ?? 0) ^ 0xff;
        await f.write(buf, 0, 16, at);
      } finally {
        await f.close();
      }
    }
    const v = await lab.mxctl(['backup', 'verify', '--read-data']);
    assert.equal(v.code, 8, v.stderr);
    const mediaBefore = await mediaHashes(lab.dir);
    const envBefore = await readFile(join(lab.dir, '.env'), 'utf8');
    const r = await lab.mxctl(['restore', 'latest', '--yes']);
    assert.notEqual(r.code, 0, 'the restore refused');
    assert.deepEqual(await mediaHashes(lab.dir), mediaBefore, 'media untouched');
    assert.equal(await readFile(join(lab.dir, '.env'), 'utf8'), envBefore);
    const status = await lab.mxctl(['status', '--json']);
    assert.equal(status.code, 0, status.stderr + status.stdout);
  });
});
