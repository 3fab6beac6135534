// prune against real files in a temp folder: fails closed, deletes manifest before archive,
// never deletes the newest verified backup.
import { test, describe, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneBackups } from './prune.ts';
import { verifiedMarker } from './catalog.ts';
import { MxError, isMxError } from '../../core/errors.ts';
import { createS3Store } from '../../adapters/s3-store.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { settingsFromChoices } from '../../core/init-options.ts';
import { fileLocker } from '../../adapters/lock.ts';
import { SECRET_KEYS } from '../../core/settings.ts';
import { sampleManifest } from '../../core/backup/manifest.fixture.ts';
import { archiveName, backupId, manifestName } from '../../core/backup/naming.ts';
import type { Deployment } from '../deployment.ts';

let root: string;
let dir: string;
let d: Deployment;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mxctl-prune-'));
  dir = join(root, 'backups');
  await mkdir(dir, { mode: 0o700 });
  const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, 'x'.repeat(43)])) as Record<
    (typeof SECRET_KEYS)[number],
    string
  >;
  d = {
    root,
    settings: settingsFromChoices({ domain: 'example.org' }, secrets),
    composeDir: join(root, 'compose'),
    envFile: join(root, '.env'),
    stateDir: join(root, 'state'),
  };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeBackup(at: Date, verified = false): Promise<string> {
  const id = backupId(at);
  const archive = Buffer.from(`archive ${id}`);
  await writeFile(join(dir, archiveName(id)), archive);
  const manifest = sampleManifest({
    id,
    created_at: at.toISOString(),
    archive: { name: archiveName(id), size: archive.length, sha256: 'b'.repeat(64) },
  });

  await writeFile(join(dir, manifestName(id)), JSON.stringify(manifest));
  if (verified) await writeFile(verifiedMarker(dir, id), at.toISOString());
  return id;
}

const DAY = 86_400_000;

const deps = (offsite?: ObjectStore) => ({ deployment: d, lock: fileLocker, offsite });

test('a failing listing prunes nothing', async () => {
  for (let i = 0; i < 20; i++) await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY));
  const before = await readdir(dir);
  await assert.rejects(
    pruneBackups(
      { policy: { daily: 1, weekly: 0, monthly: 0 }, dryRun: false },
      { ...deps(), list: () => Promise.reject(new Error('EIO: the disk said no')) },
    ),
    (e: unknown) =>
      isMxError(e, 'E_BACKUP_FAILED') && /Listing the backups failed, so nothing was pruned/.test(e.message),
  );
  assert.deepEqual(await readdir(dir), before);
});

test('an empty listing prunes nothing', async () => {
  await assert.rejects(
    pruneBackups({ policy: { daily: 7, weekly: 4, monthly: 6 }, dryRun: false }, deps()),
    /listing is empty/,
  );
});

test('twenty dailies with daily=3: the 3 newest and the newest verified stay, manifests and archives of the rest go', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY), i === 4));
  const dry = await pruneBackups({ policy: { daily: 3, weekly: 0, monthly: 0 }, dryRun: true }, deps());
  assert.equal(dry.removed.length, 16);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.tar.gpg')).length, 20, 'dry run deletes nothing');
  const r = await pruneBackups({ policy: { daily: 3, weekly: 0, monthly: 0 }, dryRun: false }, deps());
  assert.deepEqual(r.keep.map((k) => k.id).sort(), [ids[4], ids[17], ids[18], ids[19]].sort());
  const left = (await readdir(dir)).filter((n) => !n.startsWith('.'));
  assert.equal(left.filter((n) => n.endsWith('.tar.gpg')).length, 4);
  assert.equal(left.filter((n) => n.endsWith('.manifest.json')).length, 4);
});

test('a damaged entry (archive missing) is left alone and reported', async () => {
  const a = await writeBackup(new Date(Date.UTC(2026, 0, 1)));
  await writeBackup(new Date(Date.UTC(2026, 0, 2)));
  await rm(join(dir, archiveName(a)));
  const r = await pruneBackups({ policy: { daily: 1, weekly: 0, monthly: 0 }, dryRun: false }, deps());
  assert.deepEqual(r.untouched, [a]);
  assert.ok((await readdir(dir)).includes(manifestName(a)));
});

// Offsite: the same policy applied to a real S3 bucket (s3rver on loopback), with decorators
// around the real store to inject a failing listing and to record the order of deletions.
describe('offsite prune', () => {
  let s3: S3rver;
  let store: ObjectStore;
  let bucketDir: string;

  before(async () => {
    bucketDir = await mkdtemp(join(tmpdir(), 'mxctl-prune-s3-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: bucketDir,
      configureBuckets: [{ name: 'matrix-backups' }],
    });
    const { port } = await s3.run();
    store = createS3Store({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: 'matrix-backups',
      prefix: 'prune',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
  });
  after(async () => {
    s3.httpServer.closeAllConnections?.();
    await s3.close();
    await rm(bucketDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const o of await store.list()) await store.remove(o.key);
  });

  async function upload(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await store.putFile(archiveName(id), join(dir, archiveName(id)));
      await store.putBytes(manifestName(id), await readFile(join(dir, manifestName(id))));
    }
  }
  const keys = async () => (await store.list()).map((o) => o.key).sort();

  test('a failing offsite listing deletes nothing, here or offsite, and says so', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY)));
    await upload(ids);
    const before = await readdir(dir);
    const remoteBefore = await keys();
    const failing: ObjectStore = {
      ...store,
      list: () =>
        Promise.reject(
          new MxError('E_OFFSITE_FAILED', 'listing s3://matrix-backups/prune failed: HTTP 503 ServiceUnavailable.'),
        ),
    };
    await assert.rejects(
      pruneBackups({ policy: { daily: 1, weekly: 0, monthly: 0 }, dryRun: false }, deps(failing)),
      (e: unknown) =>
        isMxError(e, 'E_OFFSITE_FAILED') &&
        /failed, so nothing was pruned \(here or offsite\): .*HTTP 503/.test(e.message) &&
        /--local-only/.test(e.hint ?? ''),
    );
    assert.deepEqual(await readdir(dir), before);
    assert.deepEqual(await keys(), remoteBefore);
  });

  test('a real prune removes exactly the planned backups offsite, manifest before archive, never the newest verified', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY), i === 2));
    // Offsite also holds two backups this machine already pruned, and one upload cut short (archive only).
    const gone = [
      await writeBackup(new Date(Date.UTC(2025, 11, 1))),
      await writeBackup(new Date(Date.UTC(2025, 11, 2))),
    ];
    const partial = await writeBackup(new Date(Date.UTC(2025, 11, 3)));
    await upload([...gone, ...ids]);
    await store.putFile(archiveName(partial), join(dir, archiveName(partial)));
    for (const id of [...gone, partial]) {
      await rm(join(dir, archiveName(id)));
      await rm(join(dir, manifestName(id)));
    }
    const deletions: string[] = [];
    const recording: ObjectStore = {
      ...store,
      remove: async (name) => {
        deletions.push(name);
        await store.remove(name);
      },
    };
    const policy = { daily: 3, weekly: 0, monthly: 0 };

    const dry = await pruneBackups({ policy, dryRun: true }, deps(recording));
    assert.deepEqual(deletions, [], 'a dry run deletes nothing');
    const r = await pruneBackups({ policy, dryRun: false }, deps(recording));
    assert.deepEqual(r.offsite?.removed, dry.offsite?.removed);
    const kept = [ids[2], ids[9], ids[10], ids[11]];
    assert.deepEqual(r.offsite?.keep.map((k) => k.id).sort(), [...kept].sort());
    assert.ok(r.offsite?.keep.find((k) => k.id === ids[2])?.reasons.includes('newest verified'));
    const removed = [...gone, ...ids].filter((id) => !kept.includes(id));
    assert.deepEqual([...(r.offsite?.removed ?? [])].sort(), [...removed].sort());
    assert.deepEqual(
      deletions,
      (r.offsite?.removed ?? []).flatMap((id) => [manifestName(id), archiveName(id)]),
      'each manifest before its archive',
    );
    assert.deepEqual(
      await keys(),
      [...kept.flatMap((id) => [archiveName(id ?? ''), manifestName(id ?? '')]), archiveName(partial)].sort(),
      'exactly the plan is gone; the cut-short upload is not a backup and is left alone',
    );
  });

  test('an empty offsite listing prunes nothing offsite (and says so); the local prune still runs', async () => {
    for (let i = 0; i < 5; i++) await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY));
    const r = await pruneBackups({ policy: { daily: 2, weekly: 0, monthly: 0 }, dryRun: false }, deps(store));
    assert.match(r.offsite?.skipped ?? '', /nothing offsite was pruned: the listing is empty/);
    assert.equal(r.removed.length, 3);
  });

  test('an offsite manifest whose archive is missing or the wrong size is left alone', async () => {
    const a = await writeBackup(new Date(Date.UTC(2026, 0, 1)));
    const b = await writeBackup(new Date(Date.UTC(2026, 0, 2)));
    const c = await writeBackup(new Date(Date.UTC(2026, 0, 3)));
    await upload([a, b, c]);
    await store.remove(archiveName(a));
    await store.putBytes(archiveName(b), Buffer.from('short'));
    const r = await pruneBackups({ policy: { daily: 1, weekly: 0, monthly: 0 }, dryRun: false }, deps(store));
    assert.deepEqual(r.offsite?.untouched, [a, b]);
    assert.deepEqual(r.offsite?.removed, []);
    assert.ok((await keys()).includes(manifestName(a)));
  });
});
