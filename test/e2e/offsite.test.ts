// The rclone-remote offsite target and offsite prune, end to end in the lab: an rclone `s3`
// remote pointed at s3rver on loopback (credentials in an rclone.conf, mode 0600). A backup is
// uploaded through rclone and read back byte-identical; with the remote down the local archive is
// kept and the run exits 14; the next run catches up; restore --from-offsite brings a backup this
// machine lost back from the remote; prune with the remote down deletes nothing anywhere, and with
// it up deletes exactly the planned backups here and offsite; verify --offsite checks the remote
// copy (and catches a bit flipped there).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { readSettings } from '../../src/ops/deployment.ts';
import { formatSettings } from '../../src/core/settings.ts';
import type { Settings } from '../../src/core/settings.ts';
import { writeFileAtomic } from '../../src/adapters/fs.ts';
import { rcloneConfFor, startS3Endpoint } from './backup-fixtures.ts';
import type { S3Endpoint } from './backup-fixtures.ts';

// NOTE: rclone 1.60's s3 backend fails at once when AWS_CA_BUNDLE is set (it cannot load it into
// its transport); this machine's environment sets it for other tools. mxctl inherits our env.
delete process.env['AWS_CA_BUNDLE'];

interface ListJson {
  backups: { id: string; state: string; archive: string; offsite: string }[];
  offsite: string | null;
  offsite_error: string | null;
}

const BUCKET = 'matrix-backups';

describe('offsite through an rclone remote, and offsite prune, in the lab', () => {
  let lab: Lab;
  let original: Settings;
  const storeDir = { path: '' };
  let s3: S3Endpoint | undefined;
  let port = 0;
  let client: S3Client;

  const startS3 = async () => {
    if (s3 === undefined) s3 = await startS3Endpoint(storeDir.path, BUCKET);
    else await s3.start();
    port = s3.port;
  };
  const stopS3 = async () => {
    await s3?.stop();
  };
  const remoteKeys = async () =>
    ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'lab/' }))).Contents ?? [])
      .map((o) => o.Key ?? '')
      .sort();

  async function list(): Promise<ListJson> {
    const r = await lab.mxctl(['backup', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ListJson;
  }

  before(async () => {
    lab = await startLab();
    original = await readSettings(lab.dir);
    storeDir.path = await mkdtemp(join(tmpdir(), 'mxrclone-'));
    await startS3();
    client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await writeFile(join(lab.dir, 'rclone.conf'), rcloneConfFor(port), { mode: 0o644 });
    await writeFileAtomic(
      join(lab.dir, '.env'),
      formatSettings({ ...original, RCLONE_REMOTE: `offsite:${BUCKET}/lab`, RCLONE_CONFIG: 'rclone.conf' }),
      0o600,
    );
  });
  after(async () => {
    await stopS3().catch(() => undefined);
    await lab?.destroy();
    if (storeDir.path !== '') await rm(storeDir.path, { recursive: true, force: true });
  });

  it('an rclone.conf others can read is refused before anything is written', async () => {
    const before = await readdir(join(lab.dir, 'backups')).catch(() => []);
    const r = await lab.mxctl(['backup']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /RCLONE_CONFIG: .*rclone\.conf is readable by others \(mode 0644\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /S3RVER/);
    assert.deepEqual(await readdir(join(lab.dir, 'backups')).catch(() => []), before, 'no backup was written');
    await chmod(join(lab.dir, 'rclone.conf'), 0o600);
  });

  it('backup uploads through rclone (multipart), read back byte-identical; list shows it offsite', async () => {
    const r = await lab.mxctl(['backup', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      id: string;
      archive: string;
      offsite: { target: string; uploaded: string[] };
    };
    assert.equal(report.offsite.target, `rclone offsite:${BUCKET}/lab`);
    assert.deepEqual(report.offsite.uploaded, [report.id]);
    assert.deepEqual(await remoteKeys(), [`lab/${report.id}.manifest.json`, `lab/${report.id}.tar.gpg`]);
    const obj = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `lab/${report.id}.tar.gpg` }));
    const remoteSha = createHash('sha256')
      .update(Buffer.from((await obj.Body?.transformToByteArray()) ?? []))
      .digest('hex');
    assert.equal(
      remoteSha,
      createHash('sha256')
        .update(await readFile(report.archive))
        .digest('hex'),
    );
    const l = await list();
    assert.equal(l.offsite, `rclone offsite:${BUCKET}/lab`);
    assert.equal(l.backups.find((b) => b.id === report.id)?.offsite, 'yes');
  });

  it('remote down: exit 14, the local archive is kept; list says offsite unknown; the next run uploads what is missing', async () => {
    await stopS3();
    const down = await lab.mxctl(['backup']);
    assert.equal(down.code, 14, down.stderr);
    assert.match(
      down.stderr,
      /local backup .* is complete, but the offsite upload failed: listing offsite:matrix-backups\/lab failed: rclone exited with code/,
    );
    assert.doesNotMatch(down.stderr + down.stdout, /S3RVER/);
    const l = await list();
    const missed = l.backups.at(-1);
    assert.equal(missed?.state, 'ok', 'the local archive is kept and listed');
    assert.equal(missed?.offsite, 'unknown');
    assert.match(l.offsite_error ?? '', /rclone exited with code/);

    await startS3();
    const again = await lab.mxctl(['backup', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const uploaded = (JSON.parse(again.stdout) as { offsite: { uploaded: string[] } }).offsite.uploaded;
    assert.ok(uploaded.includes(missed?.id ?? ''), 'the backup missed while the remote was down is uploaded now');
    for (const b of (await list()).backups) assert.equal(b.offsite, 'yes', `${b.id} offsite`);
  });

  it('restore --from-offsite through rclone: a backup this machine lost comes back and restores', async () => {
    const lost = (await list()).backups.at(-2)?.id ?? '';
    await rm(join(lab.dir, 'backups', `${lost}.manifest.json`));
    await rm(join(lab.dir, 'backups', `${lost}.tar.gpg`));
    const r = await lab.mxctl([
      'restore',
      lost,
      '--from-offsite',
      '--yes',
      '--no-safety-backup',
      '--checks',
      'read-only',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(
      (await list()).backups.some((b) => b.id === lost && b.state === 'ok'),
      'downloaded back into backups/',
    );
  });

  it('prune: the remote down deletes nothing anywhere and says so; up, exactly the planned backups go here and offsite, manifest first', async () => {
    const ids = (await list()).backups.map((b) => b.id);
    assert.equal(ids.length, 3);
    const [first, middle, newest] = ids;
    const v = await lab.mxctl(['backup', 'verify', first ?? '']);
    assert.equal(v.code, 0, v.stderr);
    const policy = ['--keep-daily', '1', '--keep-weekly', '0', '--keep-monthly', '0'];

    await stopS3();
    const localBefore = await readdir(join(lab.dir, 'backups'));
    const failed = await lab.mxctl(['backup', 'prune', ...policy]);
    assert.equal(failed.code, 14, failed.stderr);
    assert.match(
      failed.stderr,
      /Listing the offsite copies in rclone offsite:matrix-backups\/lab failed, so nothing was pruned \(here or offsite\)/,
    );
    assert.deepEqual(await readdir(join(lab.dir, 'backups')), localBefore, 'nothing deleted here');
    await startS3();
    const remoteBefore = await remoteKeys();
    assert.equal(remoteBefore.length, 6);

    const dry = await lab.mxctl(['backup', 'prune', ...policy, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as {
      removed: string[];
      offsite: { removed: string[]; keep: { id: string; reasons: string[] }[] };
    };
    assert.deepEqual(plan.removed, [middle]);
    assert.deepEqual(plan.offsite.removed, [middle]);
    assert.deepEqual(await remoteKeys(), remoteBefore, 'a dry run deletes nothing offsite');

    const r = await lab.mxctl(['backup', 'prune', ...policy, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const done = JSON.parse(r.stdout) as typeof plan;
    assert.deepEqual(done.offsite.removed, [middle]);
    assert.deepEqual(done.offsite.keep.map((k) => k.id).sort(), [first, newest].sort());
    assert.ok(done.offsite.keep.find((k) => k.id === first)?.reasons.includes('newest verified'));
    assert.deepEqual(
      await remoteKeys(),
      remoteBefore.filter((k) => !k.includes(middle ?? '-')),
      'exactly the planned backup is gone offsite',
    );
    assert.deepEqual(
      (await list()).backups.map((b) => b.id),
      [first, newest],
      'and here',
    );
  });

  it('verify --offsite: the offsite copy is downloaded to a temp folder, verified, removed; a bit flip offsite fails it', async () => {
    const newest = (await list()).backups.at(-1)?.id ?? '';
    const ok = await lab.mxctl(['backup', 'verify', 'latest', '--offsite', '--json']);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const report = JSON.parse(ok.stdout) as { id: string; ok: boolean; archive: string };
    assert.equal(report.id, newest);
    assert.ok(report.ok);
    assert.match(report.archive, /^rclone offsite:matrix-backups\/lab /);
    assert.deepEqual(
      (await readdir(join(lab.dir, 'backups'))).filter((n) => n.startsWith('.verify-offsite-')),
      [],
      'the download is removed',
    );

    const key = `lab/${newest}.tar.gpg`;
    const obj = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from((await obj.Body?.transformToByteArray()) ?? []);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
    const bad = await lab.mxctl(['backup', 'verify', newest, '--offsite']);
    assert.equal(bad.code, 8, bad.stderr + bad.stdout);
    assert.match(bad.stderr + bad.stdout, /damaged|corrupt|manipulated|FAILED verification/i);
    assert.deepEqual(
      (await readdir(join(lab.dir, 'backups'))).filter((n) => n.startsWith('.verify-offsite-')),
      [],
      'removed after a failure too',
    );
  });
});
