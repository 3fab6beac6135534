// Repository mode's settings and flags as a user meets them, without Docker or a lab: bad
// values are refused with the setting named, before anything is written or created.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mxctl } from '../lab/lab-stack.ts';

let dir: string;
let env: string;
before(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'mxctl-restic-cli-')), 'deploy');
  assert.equal((await mxctl(['init', '--domain', 'example.org'], { dir })).code, 0);
  env = await readFile(join(dir, '.env'), 'utf8');
});
after(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const withSettings = (lines: Record<string, string>) =>
  writeFile(
    join(dir, '.env'),
    Object.entries(lines).reduce((text, [k, v]) => text.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`), env),
  );

test('BACKUP_MODE and RESTIC_REPOSITORY: a bad value is exit 3 naming it', async () => {
  await withSettings({ BACKUP_MODE: 'borg', RESTIC_REPOSITORY: 'relative/path' });
  const r = await mxctl(['backup', 'list'], { dir });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /BACKUP_MODE/);
  assert.match(r.stderr, /RESTIC_REPOSITORY: an absolute local path/);
});

test('archive mode: the repository flags of verify are a usage error', async () => {
  await withSettings({ BACKUP_MODE: 'archive' });
  const r = await mxctl(['backup', 'verify', '--read-data'], { dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /repository mode/);
});

test('repository mode: a bad subset is exit 2; a repository that is not there is exit 8 and is not created', async () => {
  await withSettings({ BACKUP_MODE: 'repository' });
  const bad = await mxctl(['backup', 'verify', '--read-data-subset', 'lots'], { dir });
  assert.equal(bad.code, 2, bad.stderr);
  const missing = await mxctl(['backup', 'verify'], { dir });
  assert.equal(missing.code, 8, missing.stderr);
  assert.match(missing.stderr, /no restic repository/i);
  assert.deepEqual(await readdir(join(dir, 'backups')).catch(() => []), [], 'nothing created');
});
