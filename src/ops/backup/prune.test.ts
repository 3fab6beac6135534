// prune against real files in a temp folder: fails closed, deletes manifest before archive,
// never deletes the newest verified backup.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneBackups } from './prune.ts';
import { verifiedMarker } from './catalog.ts';
import { isMxError } from '../../core/errors.ts';
import { settingsFromChoices } from '../../core/init-options.ts';
import { SECRET_KEYS } from '../../core/settings.ts';
import { MANIFEST_FORMAT } from '../../core/backup/manifest.ts';
import { archiveName, backupId, manifestName } from '../../core/backup/naming.ts';
import type { Deployment } from '../deployment.ts';

let root: string;
let dir: string;
let d: Deployment;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mxctl-prune-'));
  dir = join(root, 'backups');
  await mkdir(dir, { mode: 0o700 });
  const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, 'x'.repeat(43)])) as Record<(typeof SECRET_KEYS)[number], string>;
  d = { root, settings: settingsFromChoices({ domain: 'example.org' }, secrets), composeDir: join(root, 'compose'), envFile: join(root, '.env'), stateDir: join(root, 'state') };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeBackup(at: Date, verified = false): Promise<string> {
  const id = backupId(at);
  const archive = Buffer.from(`archive ${id}`);
  await writeFile(join(dir, archiveName(id)), archive);
  const manifest = {
    format: MANIFEST_FORMAT, id, created_at: at.toISOString(), mxctl_version: '0.1.0', server_name: 'example.org', synapse_version: '1.160.0',
    schema_version: 94, schema_compat_version: 84, row_counts: {}, message_count: 0,
    database: { chunks: [], size: 1, sha256: 'a'.repeat(64), excluded_table_data: [] }, files: [], referenced_files: [],
    archive: { name: archiveName(id), size: archive.length, sha256: 'b'.repeat(64) },
  };
  await writeFile(join(dir, manifestName(id)), JSON.stringify(manifest));
  if (verified) await writeFile(verifiedMarker(dir, id), at.toISOString());
  return id;
}

const DAY = 86_400_000;

test('a failing listing prunes nothing', async () => {
  for (let i = 0; i < 20; i++) await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY));
  const before = await readdir(dir);
  await assert.rejects(
    pruneBackups(d, { policy: { daily: 1, weekly: 0, monthly: 0 }, dryRun: false }, { list: () => Promise.reject(new Error('EIO: the disk said no')) }),
    (e: unknown) => isMxError(e, 'E_BACKUP_FAILED') && /Listing the backups failed, so nothing was pruned/.test(e.message),
  );
  assert.deepEqual(await readdir(dir), before);
});

test('an empty listing prunes nothing', async () => {
  await assert.rejects(pruneBackups(d, { policy: { daily: 7, weekly: 4, monthly: 6 }, dryRun: false }), /listing is empty/);
});

test('twenty dailies with daily=3: the 3 newest and the newest verified stay, manifests and archives of the rest go', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await writeBackup(new Date(Date.UTC(2026, 0, 1) + i * DAY), i === 4));
  const dry = await pruneBackups(d, { policy: { daily: 3, weekly: 0, monthly: 0 }, dryRun: true });
  assert.equal(dry.removed.length, 16);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.tar.gpg')).length, 20, 'dry run deletes nothing');
  const r = await pruneBackups(d, { policy: { daily: 3, weekly: 0, monthly: 0 }, dryRun: false });
  assert.deepEqual(r.keep.map((k) => k.id).sort(), [ids[4], ids[17], ids[18], ids[19]].sort());
  const left = (await readdir(dir)).filter((n) => !n.startsWith('.'));
  assert.equal(left.filter((n) => n.endsWith('.tar.gpg')).length, 4);
  assert.equal(left.filter((n) => n.endsWith('.manifest.json')).length, 4);
});

test('a damaged entry (archive missing) is left alone and reported', async () => {
  const a = await writeBackup(new Date(Date.UTC(2026, 0, 1)));
  await writeBackup(new Date(Date.UTC(2026, 0, 2)));
  await rm(join(dir, archiveName(a)));
  const r = await pruneBackups(d, { policy: { daily: 1, weekly: 0, monthly: 0 }, dryRun: false });
  assert.deepEqual(r.untouched, [a]);
  assert.ok((await readdir(dir)).includes(manifestName(a)));
});
