// `mxctl upgrade` applied and `mxctl rollback`, against the lab's real registry and real Synapse
// images (lab/README.md: 1.160.1 migrates harmlessly, 1.161.0 raises the schema compat, the
// `broken` build never comes up). Registered into upgrade.test.ts's lab, in this order, each
// test starting where the previous one left Synapse:
//   1.160.0 → 1.161.0 healthy, a message written, `rollback`: the database restored, the message named lost
//   1.160.0 → 1.160.1 healthy: pinned by digest, downtime measured, history and rollback image kept
//   1.160.1 → broken: the gate fails, rolled back by itself (exit 17), nothing lost
//   a background update queued, no disk for the backup, a second upgrade while one runs: refused
//   1.160.1 → 1.161.0 with SIGTERM after the pin: not cut short, rolled back (exit 17)
//   1.160.1 → 1.161.0 killed with SIGKILL after the pin is written: the next run finishes it
//   `rollback` of an upgrade that is no longer what runs: refused; of the newest: no restore needed
//   Element between two registry tags (the lab's Hydrogen pushed twice): healthy
// and first, upgrade notes crossed (1.156.0 → 1.157.0, the same image): refused until accepted
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../../lab/harness.ts';
import { MXCTL } from '../../../lab/lab-stack.ts';
import { LAB_SYNAPSE_REPO, LAB_SYNAPSE_TAGS, pinLabImage, pushImage, untagPushed } from '../../../lab/registry.ts';
import { createHash, randomBytes } from 'node:crypto';
import type { Journal } from '../../../src/core/upgrade/journal.ts';
import { mediaSha256, pgOf, uploadMedia } from '../backup-fixtures.ts';
import { psql } from '../../../src/adapters/postgres.ts';
import type { UpgradeReport } from '../../../src/ops/upgrade/apply.ts';
import type { RollbackReport } from '../../../src/ops/upgrade/manual-rollback.ts';
import type { DoctorReport } from '../../../src/ops/doctor/doctor.ts';

const exec = promisify(execFile);

export interface ApplyFixture {
  lab: () => Lab;
  registryHost: () => string;
  digests: () => Record<string, string>;
}

export function applyTests(fx: ApplyFixture): void {
  const lab = () => fx.lab();
  const envFile = () => join(lab().dir, '.env');
  const image = (tag: string) => `${fx.registryHost()}/${LAB_SYNAPSE_REPO}:${tag}`;
  let room = '';
  let txn = 0;

  const say = async (text: string): Promise<void> => {
    await lab().admin.call(
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/t${++txn}`,
      {
        msgtype: 'm.text',
        body: text,
      },
    );
  };
  const bodies = async (): Promise<string[]> => {
    const r = await lab().admin.call<{ chunk: { content?: { body?: string } }[] }>(
      'GET',
      `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=100`,
    );
    return r.chunk.flatMap((e) => (e.content?.body === undefined ? [] : [e.content.body]));
  };
  const pinNow = async (): Promise<string | undefined> =>
    /^SYNAPSE_IMAGE=(.*)$/m.exec(await readFile(envFile(), 'utf8'))?.[1];
  const running = async (): Promise<string> => {
    const ps = await exec('docker', ['compose', 'ps', '-q', 'synapse'], { cwd: join(lab().dir, 'compose') });
    return (await exec('docker', ['inspect', '-f', '{{.Config.Image}}', ps.stdout.trim()])).stdout.trim();
  };
  const journal = async (): Promise<Journal> => {
    const r = await lab().mxctl(['upgrade', 'history', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return JSON.parse(r.stdout) as Journal;
  };
  const sql = (q: string): Promise<string> => psql(pgOf(lab()), q).then((out) => out.trim());
  const schema = (): Promise<string> => sql('SELECT version FROM schema_version;');
  // One uploaded file, checked by sha256 after every change (the gate downloads it too).
  const media = randomBytes(64 * 1024);
  let mediaUri = '';
  const upload = async (): Promise<void> => {
    mediaUri = await uploadMedia(lab(), media, 'upgrade.bin');
  };
  const mediaSha = (): Promise<string> => mediaSha256(lab(), mediaUri);
  const sha = createHash('sha256').update(media).digest('hex');

  const doctorSays = async (): Promise<{ status: string; summary: string } | undefined> => {
    const r = await lab().mxctl(['doctor', '--json']);
    return (JSON.parse(r.stdout) as DoctorReport).findings.find((f) => f.id === 'upgrade.journal');
  };

  /** Waits until the newest journal entry, an upgrade to 1.161.0, reaches one of the phases. */
  const untilPhase = async (phases: readonly string[]): Promise<void> => {
    const file = join(lab().dir, 'state', 'upgrades.json');
    const deadline = Date.now() + 300_000;
    for (;;) {
      const last = (JSON.parse(await readFile(file, 'utf8')) as Journal).entries.at(-1);
      if (last?.to.includes(':1.161.0@') === true && phases.includes(last.phase) && last.phase !== 'rolled-back')
        return;
      assert.ok(Date.now() < deadline, `the upgrade never reached ${phases.join(' or ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  async function up(tag: string, extra: readonly string[] = []) {
    const r = await lab().mxctl(['upgrade', 'synapse', '--to', tag, '--accept-notes', '--yes', '--json', ...extra]);
    return { ...r, report: r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as UpgradeReport) };
  }

  it('upgrade notes crossed block the upgrade until they are accepted: exit 18, nothing changed', async () => {
    // NOTE: the lab's 1.160.0 build pushed as 1.156.0 and 1.157.0, so the upgrade crosses the
    // shipped note of 1.157.0 (the images are the same: only the notes can block it).
    for (const tag of ['1.156.0', '1.157.0'])
      await pushImage(fx.registryHost(), LAB_SYNAPSE_TAGS['1.160.0'], LAB_SYNAPSE_REPO, tag);
    const original = await readFile(envFile());
    try {
      await writeFile(
        envFile(),
        original.toString('utf8').replace(/^SYNAPSE_IMAGE=.*$/m, `SYNAPSE_IMAGE=${image('1.156.0')}`),
        {
          mode: 0o600,
        },
      );
      const before = await readFile(envFile());
      const r = await lab().mxctl(['upgrade', 'synapse', '--to', '1.157.0', '--yes']);
      assert.equal(r.code, 18, r.stderr);
      assert.match(
        r.stderr,
        /1 upgrade note\(s\) to read first \(then --accept-notes, or MXCTL_VALIDATED_VERSION=1\.157\.0/,
      );
      const p = await lab().mxctl(['upgrade', 'synapse', '--to', '1.157.0', '--plan', '--json']);
      const notes = (JSON.parse(p.stdout) as UpgradeReport['plan']).services[0]?.notes ?? [];
      assert.deepEqual(
        notes.map((n) => n.version),
        ['1.157.0'],
      );
      assert.match(notes[0]?.link ?? '', /upgrading-to-v11570/);
      assert.equal((await lab().mxctl(['upgrade', 'synapse', '--to', '1.157.0', '--plan', '--accept-notes'])).code, 0);
      assert.deepEqual(await readFile(envFile()), before);
      assert.deepEqual((await journal()).entries, []);
    } finally {
      await writeFile(envFile(), original, { mode: 0o600 });
      await untagPushed(fx.registryHost(), LAB_SYNAPSE_REPO, ['1.156.0', '1.157.0']);
    }
  });

  it('upgrade to the compat-raising 1.161.0, then `rollback`: the pre-upgrade backup restored, what came after named as lost', async () => {
    await pushImage(fx.registryHost(), LAB_SYNAPSE_TAGS['1.161.0'], LAB_SYNAPSE_REPO, '1.161.0');
    room = (await lab().admin.call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', { name: 'upgrades' }))
      .room_id;
    await say('written before any upgrade');
    await upload();
    const u = await up('1.161.0');
    assert.equal(u.code, 0, u.stderr);
    assert.equal(u.report?.services[0]?.result, 'healthy');
    assert.equal(
      await lab()
        .admin.serverVersion()
        .then((v) => v.includes('1.161.0')),
      true,
    );
    assert.equal(await schema(), '96');
    await say('written after the upgrade to 1.161.0');

    const r = await lab().mxctl(['rollback', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const rb = (JSON.parse(r.stdout) as RollbackReport).rollback;
    assert.equal(rb?.databaseRestored, true);
    assert.ok((rb?.lostAfterBackup?.events ?? 0) >= 1, JSON.stringify(rb));
    assert.equal(rb?.pin, image('1.160.0'));
    assert.equal(await pinNow(), image('1.160.0'));
    assert.equal(await running(), image('1.160.0'));
    assert.equal(await schema(), '94');
    const after = await bodies();
    assert.ok(after.includes('written before any upgrade'));
    assert.ok(!after.includes('written after the upgrade to 1.161.0'));
    assert.equal(await mediaSha(), sha);
    // The restore did not take the journal back with it: the upgrade it undid is on record.
    const j = await journal();
    assert.deepEqual(
      j.entries.map((e) => [e.service, e.phase]),
      [['synapse', 'rolled-back']],
    );
  });

  it('upgrade to 1.160.1: a verified backup, pinned by digest, recreated, gated healthy; downtime measured', async (t) => {
    const u = await up('1.160.1');
    assert.equal(u.code, 0, u.stderr);
    const s = u.report?.services[0];
    const want = `${image('1.160.1')}@${fx.digests()['1.160.1']}`;
    assert.equal(s?.result, 'healthy');
    assert.equal(s?.to, want);
    assert.match(u.report?.backupId ?? '', /pre-upgrade/);
    assert.equal(await pinNow(), want);
    assert.equal((await stat(envFile())).mode & 0o777, 0o600);
    assert.equal(await running(), want);
    assert.match(await lab().admin.serverVersion(), /1\.160\.1/);
    assert.ok(s?.gate?.checks.every((c) => c.ok));
    assert.ok(
      s?.gate?.checks.some((c) => /media \S+ downloaded \(65536 bytes\)/.test(c.detail)),
      JSON.stringify(s?.gate),
    );
    assert.equal(await mediaSha(), sha);
    assert.ok((s?.clientApiUnavailableSeconds ?? 0) > 0, 'Synapse was recreated: the client API was away a while');
    t.diagnostic(
      `client API unavailable ${s?.clientApiUnavailableSeconds} s; phases: ${s?.phases.map((p) => `${p.name} ${p.seconds} s`).join(', ')}; whole run ${u.report?.seconds} s`,
    );
    assert.ok((await bodies()).includes('written before any upgrade'));
    const entry = (await journal()).entries.at(-1);
    assert.deepEqual(
      entry?.steps.map((x) => x.phase),
      ['started', 'backed-up', 'pulled', 'pinned', 'recreated', 'healthy'],
    );
    await exec('docker', ['image', 'inspect', entry?.rollbackImage ?? 'none']);
    const backups = await lab().mxctl(['backup', 'list', '--json']);
    assert.ok(backups.stdout.includes(u.report?.backupId ?? 'x'));
  });

  it('a broken release: the gate fails and it is rolled back by itself, exit 17, nothing lost', async () => {
    await pushImage(fx.registryHost(), LAB_SYNAPSE_TAGS['1.160.2-broken'], LAB_SYNAPSE_REPO, '1.160.2-broken');
    const before = await pinNow();
    const u = await up('1.160.2-broken', ['--gate-timeout', '60']);
    assert.equal(u.code, 17, u.stderr);
    const s = u.report?.services[0];
    assert.equal(s?.result, 'rolled-back');
    assert.equal(s?.gate?.ok, false);
    assert.equal(s?.rollback?.databaseRestored, false);
    assert.equal(await pinNow(), before);
    assert.match(await lab().admin.serverVersion(), /1\.160\.1/);
    assert.ok((await bodies()).includes('written before any upgrade'));
    const entry = (await journal()).entries.at(-1);
    assert.equal(entry?.phase, 'rolled-back');
    assert.match(entry?.error ?? '', /Synapse answers/);
    const doctor = await doctorSays();
    assert.equal(doctor?.status, 'warn');
    assert.match(doctor?.summary ?? '', /was rolled back/);
  });

  it('an upgrade with a background update queued is refused (exit 18): .env and the journal unchanged', async () => {
    const before = await readFile(envFile());
    const entries = (await journal()).entries.length;
    await sql(`INSERT INTO background_updates (update_name, progress_json) VALUES ('mxctl_lab_queued', '{}');`);
    try {
      const u = await up('1.161.0');
      assert.equal(u.code, 18, u.stderr);
      assert.match(u.stderr, /The upgrade is refused:\n- 1 Synapse background update/);
    } finally {
      await sql(`DELETE FROM background_updates WHERE update_name = 'mxctl_lab_queued';`);
    }
    assert.deepEqual(await readFile(envFile()), before);
    assert.equal((await journal()).entries.length, entries);
  });

  it('no disk for the pre-upgrade backup: refused (exit 18), nothing written there or in .env', async () => {
    const mnt = await mkdtemp(join(tmpdir(), 'mxupgrade-full-'));
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]);
    const original = await readFile(envFile());
    try {
      await writeFile(envFile(), original.toString('utf8').replace(/^BACKUP_DIR=.*$/m, `BACKUP_DIR=${mnt}`), {
        mode: 0o600,
      });
      const before = await readFile(envFile());
      const u = await up('1.161.0');
      assert.equal(u.code, 18, u.stderr);
      assert.match(u.stderr, /not enough disk for the pre-upgrade backup in /);
      assert.deepEqual(await readFile(envFile()), before);
      assert.deepEqual(await readdir(mnt), []);
    } finally {
      await writeFile(envFile(), original, { mode: 0o600 });
      await exec('umount', [mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });

  it('a second upgrade while one runs is refused by the lock, nothing changed', async () => {
    const lock = join(lab().dir, 'state', 'upgrade.lock');
    // NOTE: held as a live mxctl would hold it: this test process's pid, on this host.
    const info = { pid: process.pid, host: hostname(), started: new Date().toISOString(), purpose: 'upgrade' };
    await writeFile(lock, JSON.stringify(info), { mode: 0o600, flag: 'wx' });
    const before = await readFile(envFile());
    try {
      const u = await up('1.161.0');
      assert.equal(u.code, 7, u.stderr);
      assert.match(u.stderr, /Another upgrade or rollback is running: mxctl pid \d+/);
      const r = await lab().mxctl(['rollback', '--yes']);
      assert.equal(r.code, 7, r.stderr);
    } finally {
      await exec('rm', ['-f', lock]);
    }
    assert.deepEqual(await readFile(envFile()), before);
  });

  it('SIGTERM after the pin was written: the run is not cut short, it rolls back (exit 17), nothing half-done', async () => {
    const before = await pinNow();
    const child = spawn(
      process.execPath,
      [MXCTL, '--dir', lab().dir, 'upgrade', 'synapse', '--to', '1.161.0', '--accept-notes', '--yes', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await untilPhase(['pinned', 'recreated']);
    child.kill('SIGTERM');
    assert.equal(await exited, 17, stderr);
    assert.match(stderr, /SIGTERM came while a change ran that is worse stopped half-way: it was finished/);
    const entry = (await journal()).entries.at(-1);
    assert.equal(entry?.phase, 'rolled-back');
    assert.match(entry?.error ?? '', /stopped by SIGTERM/);
    assert.equal(await pinNow(), before);
    assert.match(await lab().admin.serverVersion(), /1\.160\.1/);
    assert.ok((await bodies()).includes('written before any upgrade'));
  });

  it('killed with SIGKILL after the pin was written: the next `upgrade` finishes the upgrade', async () => {
    const child = spawn(
      process.execPath,
      [MXCTL, '--dir', lab().dir, 'upgrade', 'synapse', '--to', '1.161.0', '--accept-notes', '--yes', '--json'],
      { detached: true, stdio: 'ignore' },
    );
    await untilPhase(['pinned', 'recreated']);
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killed = (await journal()).entries.at(-1);
    assert.ok(killed?.phase === 'pinned' || killed?.phase === 'recreated', killed?.phase);
    const doctor = await doctorSays();
    assert.equal(doctor?.status, 'fail');
    assert.match(doctor?.summary ?? '', /stopped at "(pinned|recreated)" and was not finished/);

    const u = await up('1.161.0');
    assert.equal(u.code, 0, u.stderr);
    assert.equal(u.report?.resumed?.journalId, killed?.id);
    assert.equal(u.report?.resumed?.phase, 'healthy');
    assert.deepEqual(u.report?.services, [], 'nothing left to do: the pin already names 1.161.0');
    assert.match(await lab().admin.serverVersion(), /1\.161\.0/);
    assert.equal((await journal()).entries.at(-1)?.phase, 'healthy');
    assert.ok((await bodies()).includes('written before any upgrade'));
    assert.equal(await mediaSha(), sha);
  });

  it('`rollback --to` an upgrade that no longer runs is refused; the newest goes back without a restore', async () => {
    const j = await journal();
    const older = j.entries.find((e) => e.phase === 'healthy' && e.to.includes(':1.160.1@'));
    const before = await readFile(envFile());
    const refused = await lab().mxctl(['rollback', '--to', older?.id ?? 'x', '--yes']);
    assert.equal(refused.code, 18, refused.stderr);
    assert.match(refused.stderr, /roll the later upgrade back first/);
    assert.deepEqual(await readFile(envFile()), before);

    const r = await lab().mxctl(['rollback', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const rb = (JSON.parse(r.stdout) as RollbackReport).rollback;
    // 1.161.0 raised the compat to 95; 1.160.1 runs schema 95: no restore, nothing lost.
    assert.equal(rb?.databaseRestored, false);
    assert.match(await lab().admin.serverVersion(), /1\.160\.1/);
    assert.ok((await bodies()).includes('written before any upgrade'));
  });

  it('Element (the lab web client) between two registry tags: pulled by digest, recreated, gated over HTTPS', async () => {
    const host = fx.registryHost();
    const repo = 'element-matrix-lab/element';
    await pushImage(host, 'element-matrix-lab/hydrogen:lab', repo, '1.0.0');
    const digest = await pushImage(host, 'element-matrix-lab/hydrogen:lab', repo, '1.0.1');
    try {
      await pinLabImage(lab().dir, lab().address, 'element', `${host}/${repo}:1.0.0`);
      const started = await lab().mxctl(['up']);
      assert.equal(started.code, 0, started.stderr);
      const r = await lab().mxctl(['upgrade', 'element', '--to', '1.0.1', '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const s = (JSON.parse(r.stdout) as UpgradeReport).services[0];
      const want = `${host}/${repo}:1.0.1@${digest}`;
      assert.equal(s?.result, 'healthy');
      assert.equal(s?.to, want);
      assert.deepEqual(
        s?.gate?.checks.map((c) => [c.name, c.ok]),
        [
          ['the web client page over HTTPS', true],
          ['config.json over HTTPS', true],
        ],
      );
      assert.equal(/^ELEMENT_IMAGE=(.*)$/m.exec(await readFile(envFile(), 'utf8'))?.[1], want);
      const ps = await exec('docker', ['compose', 'ps', '-q', 'element'], { cwd: join(lab().dir, 'compose') });
      assert.equal(
        (await exec('docker', ['inspect', '-f', '{{.Config.Image}}', ps.stdout.trim()])).stdout.trim(),
        want,
      );
      assert.ok((await bodies()).includes('written before any upgrade'));
    } finally {
      await untagPushed(host, repo, ['1.0.0', '1.0.1']);
    }
  });
}
