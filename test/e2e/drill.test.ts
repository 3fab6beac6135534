// Restore drills and disaster recovery, end to end in ONE lab (CI time is a budget): populate a
// little, back up, then lose only the database volume and restore without --no-safety-backup;
// then lose everything (the deployment folder and the volume) and recreate the deployment in a
// new folder from the offsite copy with only the passphrase and the offsite credentials.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { openLab, startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { labDestroy, mxctl, MXCTL } from '../../lab/lab-stack.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { formatSettings } from '../../src/core/settings.ts';
import { pathExists, writeFileAtomic } from '../../src/adapters/fs.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { makePng, mediaSha256, s3rverSettings, tableCounts, uploadMedia } from './backup-fixtures.ts';

const exec = promisify(execFile);

describe('restore drills in the lab', () => {
  let lab: Lab;
  let matrix: string;
  const user = { name: 'dora', password: randomBytes(12).toString('hex') };
  const bodies: string[] = [];
  let roomId: string;

  before(async () => {
    lab = await startLab();
    matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
  });
  after(async () => {
    await lab?.destroy();
  });

  function compose(...args: string[]): Promise<{ stdout: string }> {
    return exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose') });
  }

  it('populates: a user, a room, messages; a backup', async () => {
    const t = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {
      uses_allowed: 1,
    });
    const r = await MatrixUser.register(matrix, lab.publicHttp, user.name, user.password, t.token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const dora = await MatrixUser.login(matrix, lab.publicHttp, user.name, user.password);
    roomId = await dora.createRoom('drill room');
    for (let n = 0; n < 5; n++) {
      const body = `drill message ${n} ${randomBytes(4).toString('hex')}`;
      await dora.send(roomId, body);
      bodies.push(body);
    }
    const b = await lab.mxctl(['backup', '--local-only', '--json']);
    assert.equal(b.code, 0, b.stderr);
  });

  it('restore after only the database volume was lost: no --no-safety-backup needed, and it says why', async () => {
    await compose('down', '--timeout', '20');
    const { stdout } = await compose('config', '--format', 'json');
    const config = JSON.parse(stdout) as { volumes: Record<string, { name: string }> };
    const volume = config.volumes['postgres-data']?.name ?? '';
    assert.notEqual(volume, '');
    await exec('docker', ['volume', 'rm', volume]);
    await compose('up', '-d', '--wait', 'postgres');
    const r = await lab.mxctl(['restore', 'latest', '--yes', '--checks', 'read-only', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      safetyBackup?: string;
      noSafetyBackup?: { reason: string; savedFiles: string };
      checks: { name: string; ok: boolean }[];
    };
    assert.ok(report.ok, JSON.stringify(report.checks));
    assert.equal(report.safetyBackup, undefined);
    assert.match(report.noSafetyBackup?.reason ?? '', /no Synapse schema/);
    // What did exist (config, media) was kept, privately, before being replaced.
    const saved = report.noSafetyBackup?.savedFiles ?? '';
    assert.equal((await stat(saved)).mode & 0o777, 0o700);
    assert.ok((await readdir(join(saved, 'synapse'))).includes('homeserver.yaml'), 'the replaced config is kept');
    assert.ok(((await tableCounts(lab)).get('users') ?? 0) > 0);
    const dora = await MatrixUser.login(matrix, lab.publicHttp, user.name, user.password);
    const read = await dora.messages(roomId);
    for (const b of bodies) assert.ok(read.includes(b), `"${b}" is back`);
  });

  describe('disaster recovery: the deployment folder and its database volume are gone', () => {
    let srv: S3rver;
    let store: string;
    let secrets: string;
    let target: string;
    let mxc: string;
    let mediaHash: string;
    let signingKey: string;
    let publishedKey: unknown;
    const key = () => join(lab.dir, 'synapse', `${lab.settings.MX_SERVER_NAME}.signing.key`);
    const published = async (l: Lab) =>
      (await l.admin.call<{ verify_keys: unknown }>('GET', '/_matrix/key/v2/server')).verify_keys;

    before(async () => {
      store = await mkdtemp(join(tmpdir(), 'mxs3-dr-'));
      srv = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory: store,
        configureBuckets: [{ name: 'matrix-backups' }],
      });
      const { port } = await srv.run();
      // What an admin keeps offsite besides the archive: the passphrase and the offsite credentials.
      secrets = await mkdtemp(join(tmpdir(), 'mx-dr-secrets-'));
      const s = await readSettings(lab.dir);
      const s3 = s3rverSettings(port);
      await writeFileAtomic(join(lab.dir, '.env'), formatSettings({ ...s, ...s3 }), 0o600);
      await writeFile(join(secrets, 'passphrase'), `${s.BACKUP_PASSPHRASE}\n`, { mode: 0o600 });
      await writeFile(
        join(secrets, 'offsite.env'),
        Object.entries(s3)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
        { mode: 0o600 },
      );
      await writeFile(join(secrets, 'wrong'), 'not-the-passphrase-of-this-backup-at-all-0123456789\n', { mode: 0o600 });
      target = join(await mkdtemp(join(tmpdir(), 'mx-dr-')), 'new-machine');
    });
    after(async () => {
      srv.httpServer.closeAllConnections?.();
      await srv.close();
      await rm(store, { recursive: true, force: true });
      await rm(secrets, { recursive: true, force: true });
    });

    const recover = (...args: string[]) =>
      mxctl(['restore', 'latest', '--from-offsite', '--offsite-config', join(secrets, 'offsite.env'), ...args], {
        dir: target,
      });

    it('populates media and backs up offsite', async () => {
      mxc = await uploadMedia(lab, makePng(240, 160, 11), 'dr.png');
      mediaHash = await mediaSha256(lab, mxc);
      signingKey = await readFile(key(), 'utf8');
      publishedKey = await published(lab);
      const b = await lab.mxctl(['backup', '--json']);
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stdout, /"uploaded"/);
    });

    it('bad input changes nothing: a wrong passphrase, a setting of the identity, a passphrase file others can read', async () => {
      const wrong = await recover('--passphrase-file', join(secrets, 'wrong'), '--json');
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /decrypt|passphrase/i);
      assert.equal(await pathExists(target), false, 'the new folder is not left behind');
      const identity = await recover(
        '--passphrase-file',
        join(secrets, 'passphrase'),
        '--set',
        'MX_SERVER_NAME=other.test',
      );
      assert.equal(identity.code, 2, identity.stderr);
      assert.match(identity.stderr, /MX_SERVER_NAME is the backed-up server's own/);
      await writeFile(join(secrets, 'loose'), 'x\n', { mode: 0o644 });
      const loose = await recover('--passphrase-file', join(secrets, 'loose'));
      assert.equal(loose.code, 2, loose.stderr);
      assert.match(loose.stderr, /readable by others/);
      assert.equal(await pathExists(target), false);
      const busy = await mkdtemp(join(tmpdir(), 'mx-dr-busy-'));
      await writeFile(join(busy, 'something'), 'x');
      const notEmpty = await mxctl(['restore', 'latest', '--yes'], { dir: busy });
      assert.notEqual(notEmpty.code, 0);
      assert.match(notEmpty.stderr, /neither a deployment nor an empty folder/);
      assert.deepEqual(await readdir(busy), ['something']);
      await rm(busy, { recursive: true, force: true });
    });

    it('from the offsite copy into a new folder (a first try killed with SIGKILL): users log in with their passwords, rooms, messages, media and the signing key are back', async (t) => {
      await labDestroy(lab.dir);
      assert.equal(await pathExists(lab.dir), false);
      // Killed with SIGKILL while it writes the new folder: the next run starts it over.
      const killed = spawn(
        process.execPath,
        [
          MXCTL,
          '--dir',
          target,
          'restore',
          'latest',
          '--from-offsite',
          '--offsite-config',
          join(secrets, 'offsite.env'),
          '--passphrase-file',
          join(secrets, 'passphrase'),
          '--json',
        ],
        { stdio: 'ignore' },
      );
      const exited = new Promise((r) => killed.once('exit', r));
      for (let i = 0; i < 600 && !(await readdir(target).catch(() => [])).some((n) => n.startsWith('.restore-')); i++)
        await new Promise((r) => setTimeout(r, 50));
      killed.kill('SIGKILL');
      await exited;
      assert.ok((await readdir(target)).includes('.mxctl-recovering'), 'the killed run left its folder unfinished');
      const r = await recover('--passphrase-file', join(secrets, 'passphrase'), '--json');
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const report = JSON.parse(r.stdout) as {
        ok: boolean;
        seconds: number;
        safetyBackup?: string;
        noSafetyBackup?: { reason: string; savedFiles?: string };
        recreated: { root: string; id: string; files: number; changed: string[] };
        checks: { name: string; ok: boolean; detail: string }[];
      };
      t.diagnostic(
        `recovered ${report.recreated.id}: ${report.recreated.files} files, restore ${report.seconds.toFixed(1)} s`,
      );
      assert.ok(report.ok, JSON.stringify(report.checks, null, 2));
      assert.equal(report.recreated.root, target);
      assert.deepEqual(report.recreated.changed, []);
      assert.equal(report.safetyBackup, undefined);
      assert.match(report.noSafetyBackup?.reason ?? '', /just recreated/);
      assert.equal((await stat(join(target, '.env'))).mode & 0o777, 0o600);
      const old = lab;
      const recovered = await openLab(target);
      lab = { ...recovered, destroy: async () => (await labDestroy(target), await old.destroy()) };
      assert.equal(await readFile(key(), 'utf8'), signingKey, 'the signing key file is the old one');
      assert.deepEqual(await published(lab), publishedKey, 'Synapse publishes the old key');
      const dora = await MatrixUser.login(
        `https://${lab.settings.MX_MATRIX_HOST}`,
        lab.publicHttp,
        user.name,
        user.password,
      );
      const read = await dora.messages(roomId);
      for (const b of bodies) assert.ok(read.includes(b), `"${b}" is back`);
      assert.equal(await mediaSha256(lab, mxc), mediaHash, 'the media file is the same');
    });
  });
});
