// `mxctl upgrade postgres --to 18` for real: a lab that starts on PostgreSQL 15 (Debian bookworm's,
// lab/images/postgres15, the ≤ 17 data layout) pulled from the lab's registry, with users, a room,
// messages and a media upload; the registry also offers 18 (sid's, lab/images/postgres). In order:
//   --plan says it is a major upgrade with downtime; refusals (unknown tag, a downgrade, no --yes)
//   change nothing; killed with SIGKILL during the dump and load, the next run (`rollback`) puts the
//   old cluster back serving, nothing lost, the half-loaded volume gone; a target whose gate fails
//   after the switch (the 18 build pushed as 19) goes back by itself, and killed after the switch
//   the next run gates it and goes back; killed during the load once
//   more, the next `upgrade` goes back first and then upgrades for real: healthy, server_version_num ≥ 180000, the table counts equal, every message readable, users
//   log in, the media intact, the old volume kept and listed; `rollback` refuses to take it back;
//   remove-old-volume refuses the volume in use, then deletes the old one when asked by name.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MXCTL } from '../../lab/lab-stack.ts';
import { mediaSha256, uploadMedia } from './backup-fixtures.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import {
  LAB_POSTGRES_REPO,
  LAB_POSTGRES_TAGS,
  pinLabImage,
  pushImage,
  pushLabPostgres,
  startRegistry,
  untagPushed,
} from '../../lab/registry.ts';
import type { LabRegistry } from '../../lab/registry.ts';
import { psql } from '../../src/adapters/postgres.ts';
import type { Journal, JournalEntry } from '../../src/core/upgrade/journal.ts';
import type { UpgradeReport } from '../../src/ops/upgrade/apply.ts';
import type { UpgradePlan } from '../../src/ops/upgrade/plan.ts';
import type { RollbackReport } from '../../src/ops/upgrade/manual-rollback.ts';
import type { PostgresVolume } from '../../src/ops/upgrade/postgres-volumes.ts';

const exec = promisify(execFile);
const MAIN_TABLES = [
  'users',
  'profiles',
  'rooms',
  'events',
  'event_json',
  'room_memberships',
  'current_state_events',
  'state_groups_state',
  'local_media_repository',
];

describe('PostgreSQL 15 → 18 major upgrade in the lab', () => {
  let registry: LabRegistry | undefined;
  let lab: Lab;
  let envFile: string;
  let oldVolume: string;
  let room = '';
  const sent: string[] = [];
  const media = randomBytes(48 * 1024);
  let mediaUri = '';
  let fingerprint: Record<string, number> = {};
  const rolledBackVolumes: string[] = [];
  const passwords = { alice: 'alice-secret-pw-1', bob: 'bob-secret-pw-2' };

  before(async () => {
    lab = await startLab({
      beforeUp: async (dir, address) => {
        registry = await startRegistry({ address });
        await pushLabPostgres(registry.host, ['15', '18']);
        await pinLabImage(dir, address, 'postgres', `${registry.host}/${LAB_POSTGRES_REPO}:15`, {
          POSTGRES_DATA_MOUNT: '/var/lib/postgresql/data',
        });
      },
    });
    envFile = join(lab.dir, '.env');
    oldVolume = `${lab.settings.COMPOSE_PROJECT_NAME}_postgres-data`;
    for (const [user, pw] of Object.entries(passwords)) {
      const file = join(lab.dir, 'state', `${user}.pw`);
      await writeFile(file, `${pw}\n`, { mode: 0o600 });
      const r = await lab.mxctl(['users', 'create', user, '--password-file', file]);
      assert.equal(r.code, 0, r.stderr);
    }
    const alice = await login('alice');
    room = await alice.createRoom('before the major upgrade');
    for (let i = 0; i < 5; i++) {
      const text = `message ${i} written on PostgreSQL 15`;
      await alice.send(room, text);
      sent.push(text);
    }
    mediaUri = await uploadMedia(lab, media, 'pg.bin');
    fingerprint = await counts();
  });
  after(async () => {
    const project = lab?.settings.COMPOSE_PROJECT_NAME;
    await lab?.destroy();
    // The volumes the upgrades kept or made (compose's `down --volumes` removes the one in use only).
    if (project !== undefined) {
      const vols = await exec('docker', [
        'volume',
        'ls',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
      ]);
      const names = vols.stdout.split('\n').filter((v) => v !== '');
      if (names.length > 0) await exec('docker', ['volume', 'rm', ...names]).catch(() => undefined);
    }
    await registry?.stop();
    if (registry !== undefined) await untagPushed(registry.host, LAB_POSTGRES_REPO, ['15', '18', '14', '19']);
  });

  const matrixUrl = () => `https://${lab.settings.MX_MATRIX_HOST}`;
  const login = (user: keyof typeof passwords) => MatrixUser.login(matrixUrl(), lab.publicHttp, user, passwords[user]);
  const sql = (q: string) =>
    psql({ composeDir: join(lab.dir, 'compose'), user: 'synapse', db: 'synapse' }, q).then((o) => o.trim());
  const versionNum = async () => Number(await sql('SHOW server_version_num;'));
  const counts = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const t of MAIN_TABLES) out[t] = Number(await sql(`SELECT count(*) FROM ${t};`));
    return out;
  };
  const mediaSha = (): Promise<string> => mediaSha256(lab, mediaUri);
  const volumes = async (): Promise<PostgresVolume[]> => {
    const r = await lab.mxctl(['upgrade', 'volumes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { volumes: PostgresVolume[] }).volumes;
  };
  const dockerVolumes = async (): Promise<string[]> =>
    (
      await exec('docker', [
        'volume',
        'ls',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${lab.settings.COMPOSE_PROJECT_NAME}`,
      ])
    ).stdout
      .split('\n')
      .filter((v) => v !== '')
      .sort();
  const journal = async (): Promise<Journal> =>
    JSON.parse(
      await readFile(join(lab.dir, 'state', 'upgrades.json'), 'utf8').catch(() => '{"entries":[]}'),
    ) as Journal;
  async function dataIntact(): Promise<void> {
    assert.deepEqual(await counts(), fingerprint);
    const alice = await login('alice');
    const read = await alice.messages(room);
    for (const text of sent) assert.ok(read.includes(text), `"${text}" is readable`);
    await login('bob');
    assert.equal(await mediaSha(), createHash('sha256').update(media).digest('hex'));
  }

  it('the lab runs PostgreSQL 15 from the registry, its volume mounted at /var/lib/postgresql/data', async () => {
    const n = await versionNum();
    assert.ok(n >= 150000 && n < 160000, String(n));
    assert.match(await readFile(envFile, 'utf8'), /^POSTGRES_DATA_MOUNT=\/var\/lib\/postgresql\/data$/m);
    assert.deepEqual(await dockerVolumes(), [oldVolume]);
    const v = await volumes();
    assert.deepEqual(
      v.map((x) => [x.name, x.role, x.exists]),
      [[oldVolume, 'in use', true]],
    );
  });

  it('--plan: a major upgrade 15 → 18, no blocker, nothing changed', async () => {
    const before = await readFile(envFile);
    const r = await lab.mxctl(['upgrade', 'postgres', '--to', '18', '--plan', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as UpgradePlan;
    assert.deepEqual(p.services[0]?.postgresMajor, { from: 15, to: 18 });
    assert.deepEqual(p.blockers, []);
    const text = await lab.mxctl(['upgrade', 'postgres', '--to', '18', '--plan']);
    assert.match(text.stdout, /postgres 15 → 18: a dump and load into a new volume; Synapse is stopped meanwhile/);
    assert.deepEqual(await readFile(envFile), before);
  });

  it('refusals change nothing: an unknown tag, a downgrade, no --yes off a terminal, another database, an old compose file; no --to stays on 15', async () => {
    if (registry !== undefined) await pushImage(registry.host, LAB_POSTGRES_TAGS['15'], LAB_POSTGRES_REPO, '14');
    const before = await readFile(envFile);
    const unknown = await lab.mxctl(['upgrade', 'postgres', '--to', '99', '--yes']);
    assert.equal(unknown.code, 18, unknown.stderr);
    assert.match(unknown.stderr, /has no tag "99"/);
    const down = await lab.mxctl(['upgrade', 'postgres', '--to', '14', '--yes']);
    assert.equal(down.code, 18, down.stderr);
    assert.match(down.stderr, /PostgreSQL 15 → 14 is a downgrade/);
    const unasked = await lab.mxctl(['upgrade', 'postgres', '--to', '18']);
    assert.equal(unasked.code, 2, unasked.stderr);
    await sql('CREATE DATABASE mxctl_lab_extra;');
    try {
      const other = await lab.mxctl(['upgrade', 'postgres', '--to', '18', '--yes']);
      assert.equal(other.code, 18, other.stderr);
      assert.match(other.stderr, /holds databases besides synapse \(mxctl_lab_extra\)/);
    } finally {
      await sql('DROP DATABASE mxctl_lab_extra;');
    }
    // A compose file from before major upgrades (the volume fixed): the switch would not switch.
    const composeFile = join(lab.dir, 'compose', 'docker-compose.yml');
    const compose = await readFile(composeFile, 'utf8');
    await writeFile(
      composeFile,
      compose
        .replace(/\n {4}name: \$\{POSTGRES_VOLUME[^\n]*/, '')
        .replace(/\$\{POSTGRES_DATA_MOUNT[^}]*\}/, '/var/lib/postgresql/data'),
    );
    try {
      const old = await lab.mxctl(['upgrade', 'postgres', '--to', '18', '--plan']);
      assert.equal(old.code, 18, old.stderr);
      assert.match(old.stdout, /predates PostgreSQL major upgrades/);
    } finally {
      await writeFile(composeFile, compose);
    }
    // Without --to, PostgreSQL stays within its major: 18 is there, but only when asked by name.
    const within = await lab.mxctl(['upgrade', 'postgres', '--plan', '--json']);
    assert.equal(within.code, 0, within.stderr);
    const p = JSON.parse(within.stdout) as UpgradePlan;
    assert.deepEqual([p.services, p.upToDate], [[], ['postgres']]);
    assert.deepEqual(await readFile(envFile), before);
    assert.deepEqual(await dockerVolumes(), [oldVolume]);
    assert.deepEqual((await journal()).entries, []);
    assert.ok((await versionNum()) < 160000);
  });

  /**
   * Starts `upgrade postgres --to TAG` and kills it (SIGKILL, its whole process group) once its
   * journal entry reached one of `at`; returns the entry as the kill left it.
   */
  async function killAt(
    tag: string,
    at: readonly string[],
    settled: readonly string[],
  ): Promise<JournalEntry | undefined> {
    const known = (await journal()).entries.length;
    const child = spawn(
      process.execPath,
      [MXCTL, '--dir', lab.dir, 'upgrade', 'postgres', '--to', tag, '--yes', '--json'],
      { detached: true, stdio: 'ignore' },
    );
    const deadline = Date.now() + 600_000;
    for (;;) {
      const entries = (await journal()).entries;
      const last = entries.length > known ? entries.at(-1) : undefined;
      if (
        last !== undefined &&
        at.includes(last.phase) &&
        (await dockerVolumes()).includes(last.postgres?.toVolume ?? '-')
      )
        break;
      assert.ok(last === undefined || !['healthy', 'rolled-back', 'abandoned'].includes(last.phase), last?.phase);
      assert.ok(Date.now() < deadline, `the upgrade never reached ${at.join(' or ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killed = (await journal()).entries.at(-1);
    assert.ok(killed !== undefined && settled.includes(killed.phase), killed?.phase);
    assert.ok((await dockerVolumes()).includes(killed.postgres?.toVolume ?? '-'), 'the new volume is there');
    return killed;
  }
  const killDuringLoad = () => killAt('18', ['loading'], ['loading', 'loaded']);

  it('killed with SIGKILL during the dump and load: the next run (`rollback`) puts the old cluster back, nothing lost', async () => {
    const before = await readFile(envFile);
    const killed = await killDuringLoad();

    const r = await lab.mxctl(['rollback', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rb = JSON.parse(r.stdout) as RollbackReport;
    assert.equal(rb.resumed?.journalId, killed?.id);
    assert.equal(rb.resumed?.phase, 'rolled-back');
    assert.ok((await versionNum()) < 160000, 'PostgreSQL 15 serves again');
    assert.deepEqual(await readFile(envFile), before, '.env byte for byte as before');
    assert.deepEqual(await dockerVolumes(), [oldVolume], 'the half-loaded volume was removed');
    const scratch = await exec('docker', [
      'ps',
      '-aq',
      '--filter',
      `name=${lab.settings.COMPOSE_PROJECT_NAME}-pg-upgrade`,
    ]);
    assert.equal(scratch.stdout.trim(), '', 'no scratch server left');
    await dataIntact();
  });

  it('a target that fails its gate after the switch (18 pushed as 19): the old cluster back, exit 17, the new volume kept', async () => {
    if (registry !== undefined) await pushImage(registry.host, LAB_POSTGRES_TAGS['18'], LAB_POSTGRES_REPO, '19');
    const before = await readFile(envFile, 'utf8');
    const r = await lab.mxctl(['upgrade', 'postgres', '--to', '19', '--yes', '--json']);
    assert.equal(r.code, 17, r.stderr);
    const s = (JSON.parse(r.stdout) as UpgradeReport).services[0];
    assert.equal(s?.result, 'rolled-back');
    const failed = s?.gate?.checks.find((c) => !c.ok);
    assert.equal(failed?.name, 'PostgreSQL reports major 19');
    assert.match(failed?.detail ?? '', /says 18/);
    assert.equal(s?.rollback?.ok, true);
    assert.ok((await versionNum()) < 160000, 'PostgreSQL 15 serves again');
    const env = await readFile(envFile, 'utf8');
    assert.equal(/^POSTGRES_IMAGE=.*$/m.exec(env)?.[0], /^POSTGRES_IMAGE=.*$/m.exec(before)?.[0]);
    assert.match(env, new RegExp(`^POSTGRES_VOLUME=${oldVolume}$`, 'm'));
    assert.match(env, /^POSTGRES_DATA_MOUNT=\/var\/lib\/postgresql\/data$/m);
    rolledBackVolumes.push(s?.postgres?.move.toVolume ?? '');
    const v = await volumes();
    assert.deepEqual(
      v.map((x) => [x.name, x.role, x.major, x.exists]),
      [
        [oldVolume, 'in use', undefined, true],
        [rolledBackVolumes[0], 'new cluster of a rolled-back upgrade', 19, true],
      ],
    );
    await dataIntact();
  });

  it('killed with SIGKILL after the switch (19 again): the next run gates it, it fails, the old cluster back', async () => {
    const before = await readFile(envFile);
    const killed = await killAt('19', ['pinned', 'recreated'], ['pinned', 'recreated']);
    const r = await lab.mxctl(['rollback', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rb = JSON.parse(r.stdout) as RollbackReport;
    assert.equal(rb.resumed?.journalId, killed?.id);
    assert.equal(rb.resumed?.phase, 'rolled-back');
    const entry = (await journal()).entries.at(-1);
    assert.match(entry?.error ?? '', /PostgreSQL reports major 19/);
    assert.ok((await versionNum()) < 160000, 'PostgreSQL 15 serves again');
    assert.deepEqual(await readFile(envFile), before);
    rolledBackVolumes.push(killed?.postgres?.toVolume ?? '');
    assert.deepEqual(
      (await volumes()).map((x) => [x.name, x.role]),
      [
        [oldVolume, 'in use'],
        [rolledBackVolumes[0], 'new cluster of a rolled-back upgrade'],
        [rolledBackVolumes[1], 'new cluster of a rolled-back upgrade'],
      ],
    );
    await dataIntact();
  });

  it('killed during the load again, then `upgrade postgres --to 18`: it goes back first, then upgrades: healthy on 18, every row, message, login and file intact, the old volume kept', async (t) => {
    const killed = await killDuringLoad();
    const r = await lab.mxctl(['upgrade', 'postgres', '--to', '18', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const u = JSON.parse(r.stdout) as UpgradeReport;
    assert.equal(u.resumed?.journalId, killed?.id);
    assert.equal(u.resumed?.phase, 'rolled-back');
    assert.ok(
      !(await dockerVolumes()).includes(killed?.postgres?.toVolume ?? '-'),
      'the half-loaded volume was removed',
    );
    const s = u.services[0];
    assert.equal(s?.result, 'healthy', JSON.stringify(s?.gate));
    assert.match(u.backupId ?? '', /pre-upgrade/);
    assert.ok((await versionNum()) >= 180000);
    assert.ok(s?.gate?.checks.some((c) => c.name === 'PostgreSQL reports major 18' && c.ok));
    assert.ok(s?.gate?.checks.some((c) => /an admin signs in/.test(c.name) && c.ok));
    assert.deepEqual(s?.postgres?.load?.mismatched, []);
    const m = s?.postgres?.move;
    assert.equal(m?.fromVolume, oldVolume);
    const env = await readFile(envFile, 'utf8');
    assert.match(env, new RegExp(`^POSTGRES_VOLUME=${m?.toVolume}$`, 'm'));
    assert.match(env, /^POSTGRES_DATA_MOUNT=\/var\/lib\/postgresql$/m);
    assert.match(env, new RegExp(`^POSTGRES_IMAGE=\\S+/${LAB_POSTGRES_REPO}:18@sha256:`, 'm'));
    await dataIntact();
    assert.deepEqual(await dockerVolumes(), [oldVolume, ...rolledBackVolumes, m?.toVolume].sort());
    const v = await volumes();
    assert.deepEqual(
      v.map((x) => [x.name, x.role, x.major, x.exists]),
      [
        [m?.toVolume, 'in use', 18, true],
        ...rolledBackVolumes.map((x) => [x, 'new cluster of a rolled-back upgrade', 19, true]),
        [oldVolume, 'old cluster (kept)', 15, true],
      ],
    );
    const entry = (await journal()).entries.at(-1);
    assert.deepEqual(
      entry?.steps.map((x) => x.phase),
      ['started', 'backed-up', 'pulled', 'loading', 'loaded', 'pinned', 'recreated', 'healthy'],
    );
    t.diagnostic(
      `Synapse unavailable ${s?.clientApiUnavailableSeconds} s; ${s?.postgres?.load?.tables} tables, ${s?.postgres?.load?.rows} rows; phases: ${s?.phases.map((p) => `${p.name} ${p.seconds} s`).join(', ')}; backup ${u.backupSeconds} s; whole run ${u.seconds} s`,
    );
    const text = await lab.mxctl(['upgrade', 'volumes']);
    assert.match(text.stdout, new RegExp(`${oldVolume} +old cluster \\(kept\\) +15`));
  });

  it('`rollback` does not take a major upgrade back; remove-old-volume refuses the volume in use, then removes the old one', async () => {
    const before = await readFile(envFile);
    const rb = await lab.mxctl(['rollback', '--yes']);
    assert.equal(rb.code, 18, rb.stderr);
    assert.match(rb.stderr, /does not take that back/);
    const current = (await volumes()).find((x) => x.role === 'in use')?.name ?? '';
    const inUse = await lab.mxctl(['upgrade', 'remove-old-volume', current, '--yes']);
    assert.equal(inUse.code, 18, inUse.stderr);
    assert.match(inUse.stderr, /holds the database the deployment runs on/);
    const unknown = await lab.mxctl(['upgrade', 'remove-old-volume', 'not-a-volume', '--yes']);
    assert.equal(unknown.code, 18, unknown.stderr);
    const unasked = await lab.mxctl(['upgrade', 'remove-old-volume', oldVolume]);
    assert.equal(unasked.code, 2, unasked.stderr);
    assert.deepEqual(await dockerVolumes(), [oldVolume, ...rolledBackVolumes, current].sort());
    assert.deepEqual(await readFile(envFile), before);

    for (const name of [oldVolume, ...rolledBackVolumes]) {
      const ok = await lab.mxctl(['upgrade', 'remove-old-volume', name, '--yes', '--json']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal((JSON.parse(ok.stdout) as { removed: string }).removed, name);
    }
    assert.deepEqual(await dockerVolumes(), [current]);
    assert.deepEqual(
      (await volumes()).map((x) => x.name),
      [current],
    );
    assert.ok((await versionNum()) >= 180000);
    await dataIntact();
  });
});
