// readArchive against real gpg on synthetic archives: intact, bit-flipped, truncated, wrong
// passphrase. Each damaged case must fail with its own code, promptly (no hung gpg).
import { test, before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { readArchive } from './read.ts';
import { gpgCipher, startEncrypt } from '../../adapters/gpg.ts';
import { quietProgress } from '../deps.ts';
import { tarBuffer } from '../../adapters/tar-stream.ts';
import { endOfArchive } from '../../core/backup/tar-format.ts';
import { sampleManifest } from '../../core/backup/manifest.fixture.ts';
import { dbChunkName } from '../../core/backup/naming.ts';
import { isMxError } from '../../core/errors.ts';

const exec = promisify(execFile);
const PASS = randomBytes(32).toString('base64url');
let dir: string;
let archive: string;
let mediaFile: Buffer;
const MEDIA_SIZE = 300_000;

const deps = (passphrase = PASS) => ({ cipher: gpgCipher(passphrase), progress: quietProgress });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mxctl-read-'));
  const dump = Buffer.concat([Buffer.from('PGDMP'), randomBytes(2 * 1024 * 1024)]);
  const file = randomBytes(MEDIA_SIZE);
  mediaFile = file;
  const manifest = sampleManifest({
    database: { chunks: [dbChunkName(0)], size: dump.length, sha256: sha(dump), excluded_table_data: [] },
    files: [{ path: 'synapse/media.bin', type: 'file', size: file.length, mode: 0o600, sha256: sha(file) }],
  });
  const h = { mode: 0o600, uid: 0, gid: 0, mtime: 0 };
  const plain = Buffer.concat([
    ...tarBuffer({ ...h, path: dbChunkName(0) }, dump),
    ...tarBuffer({ ...h, path: 'deployment/synapse/media.bin' }, file),
    ...tarBuffer({ ...h, path: 'manifest.json' }, Buffer.from(JSON.stringify(manifest))),
    endOfArchive(),
  ]);
  const gpg = await startEncrypt(PASS);
  const chunks: Buffer[] = [];
  gpg.stdout.on('data', (c: Buffer) => chunks.push(c));
  gpg.stdin.end(plain);
  await gpg.done;
  archive = join(dir, 'a.tar.gpg');
  await writeFile(archive, Buffer.concat(chunks));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function copy(name: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, await readFile(archive));
  return p;
}

test('an intact archive reads back with no problems', { timeout: 30_000 }, async () => {
  const r = await readArchive(archive, {}, deps());
  assert.deepEqual(r.problems, []);
  assert.equal(r.manifest.files.length, 1);
});

test('a bit flip fails as a damaged archive, promptly', { timeout: 30_000 }, async () => {
  const p = await copy('flip.tar.gpg');
  const h = await open(p, 'r+');
  const at = Math.floor((await stat(p)).size / 3);
  const b = Buffer.alloc(1);
  await h.read(b, 0, 1, at);
  b[0] = (b[0] ?? 0) ^ 0x04;
  await h.write(b, 0, 1, at);
  await h.close();
  await assert.rejects(readArchive(p, {}, deps()), (e: unknown) => isMxError(e, 'E_BACKUP_CORRUPT'));
});

test('a truncated archive fails as truncated', { timeout: 30_000 }, async () => {
  const p = await copy('short.tar.gpg');
  await truncate(p, Math.floor((await stat(p)).size / 2));
  await assert.rejects(readArchive(p, {}, deps()), (e: unknown) => isMxError(e, 'E_BACKUP_CORRUPT'));
});

test('the wrong passphrase is named as such', { timeout: 30_000 }, async () => {
  await assert.rejects(readArchive(archive, {}, deps('not-it')), (e: unknown) => isMxError(e, 'E_BACKUP_PASSPHRASE'));
});

test(
  'a dump consumer that exits early (pg_restore on a damaged dump) does not hang the reader',
  { timeout: 30_000 },
  async () => {
    const head = spawn('head', ['-c', '1000'], { stdio: ['pipe', 'ignore', 'ignore'] });
    // The archive itself is intact: reading completes; the consumer's own exit status is the
    // caller's to report (verify does), whether or not its EPIPE arrives before the end.
    const r = await readArchive(archive, { dumpSink: head.stdin }, deps());
    assert.equal(r.manifest.files.length, 1);
    assert.ok(
      r.problems.every((p) => /consumer failed/.test(p)),
      JSON.stringify(r.problems),
    );
  },
);

test(
  'spooled: the files behind the dump are staged while the consumer still holds up the dump; it then gets every byte in order',
  { timeout: 60_000 },
  async () => {
    const staging = await mkdtemp(join(dir, 'staging-'));
    const spool = join(staging, 'dump-spool');
    let gate: (() => void) | undefined;
    const opened = new Promise<void>((r) => (gate = r));
    const got = createHash('sha256');
    // A consumer that takes nothing until the gate opens: a direct feed would wait on it forever.
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(c: Buffer, _e, cb) {
        void opened.then(() => {
          got.update(c);
          cb();
        });
      },
    });
    const said: string[] = [];
    const reading = readArchive(
      archive,
      { stagingDir: staging, dumpSink: sink, dumpSpoolDir: spool },
      { cipher: gpgCipher(PASS), progress: { step: (l) => said.push(l), meter: () => undefined } },
    );
    const media = join(staging, 'deployment', 'synapse', 'media.bin');
    while (
      !(await stat(media).then(
        (s) => s.size === MEDIA_SIZE,
        () => false,
      ))
    )
      await new Promise((r) => setTimeout(r, 20));
    assert.ok((await readdir(spool)).length > 0, 'the dump waits in the spool');
    // The whole archive is read while the consumer has taken nothing: the wait is named.
    while (said.length === 0) await new Promise((r) => setTimeout(r, 20));
    assert.match(said[0] ?? '', /^the archive is read; pg_restore is loading the last 2\.0 MiB of the dump$/);
    gate?.();
    const r = await reading;
    assert.deepEqual(r.problems, []);
    assert.equal(got.digest('hex'), r.manifest.database.sha256);
    assert.deepEqual(await readdir(spool), [], 'every segment is removed once fed');
  },
);

test(
  'spooled: a consumer that exits early does not hang the reader, and the spool is emptied',
  { timeout: 30_000 },
  async () => {
    const staging = await mkdtemp(join(dir, 'staging-'));
    const head = spawn('head', ['-c', '1000'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const r = await readArchive(
      archive,
      { stagingDir: staging, dumpSink: head.stdin, dumpSpoolDir: join(staging, 'dump-spool') },
      deps(),
    );
    assert.ok(
      r.problems.every((p) => /consumer failed/.test(p)),
      JSON.stringify(r.problems),
    );
    assert.deepEqual(await readdir(join(staging, 'dump-spool')).catch(() => []), []);
  },
);

test(
  'a full disk while unpacking: E_NO_SPACE naming the disk, not a damaged archive',
  { timeout: 60_000 },
  async () => {
    const mnt = await mkdtemp(join(dir, 'tiny-'));
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    try {
      const sink = new Writable({ write: (_c, _e, cb) => setTimeout(cb, 5) });
      await assert.rejects(
        readArchive(archive, { stagingDir: mnt, dumpSink: sink, dumpSpoolDir: join(mnt, 'dump-spool') }, deps()),
        (e: unknown) => isMxError(e, 'E_NO_SPACE') && /disk space/.test(e.message),
      );
    } finally {
      await exec('umount', [mnt]);
    }
  },
);

describe('staging onto the same server: identical live media are linked, not written', () => {
  /** The live twin of the archive's one file, as `edit` leaves it; returns what was staged. */
  async function stageWithTwin(edit: (bytes: Buffer) => Buffer, mode = 0o600) {
    const root = await mkdtemp(join(dir, 'live-'));
    const staging = await mkdtemp(join(dir, 'staging-'));
    await mkdir(join(root, 'synapse'));
    const twin = join(root, 'synapse', 'media.bin');
    await writeFile(twin, edit(Buffer.from(mediaFile)), { mode });
    const r = await readArchive(archive, { stagingDir: staging, reuseFrom: { root, under: ['synapse'] } }, deps());
    const staged = join(staging, 'deployment', 'synapse', 'media.bin');
    return {
      r,
      twin,
      staged,
      same: (await stat(twin)).ino === (await stat(staged)).ino,
      bytes: await readFile(staged),
      twinBytes: await readFile(twin),
    };
  }

  it('an identical twin: staged as a hard link to it', async () => {
    const { r, same, bytes } = await stageWithTwin((b) => b);
    assert.deepEqual(r.problems, []);
    assert.ok(same, 'the same inode');
    assert.deepEqual(r.reused, { files: 1, bytes: mediaFile.length });
    assert.equal(sha(bytes), sha(mediaFile));
  });

  for (const [what, at] of [
    ['in its last byte', MEDIA_SIZE - 1],
    ['in its first byte', 0],
    ['in the middle', 150_001],
  ] as const) {
    it(`a twin that differs ${what}: the archive's bytes are written out, the live file is left alone`, async () => {
      const { r, same, bytes, twinBytes } = await stageWithTwin((b) => {
        b[at] = (b[at] ?? 0) ^ 0xff;
        return b;
      });
      assert.deepEqual(r.problems, []);
      assert.ok(!same, 'a file of its own');
      assert.equal(r.reused.files, 0);
      assert.equal(sha(bytes), sha(mediaFile), 'the staged file is the archived one');
      assert.notEqual(sha(twinBytes), sha(mediaFile), 'the live twin keeps its own bytes');
    });
  }

  it('a twin with another mode or size is never linked (a link would change the live file too)', async () => {
    assert.ok(!(await stageWithTwin((b) => b, 0o644)).same);
    const shorter = await stageWithTwin((b) => b.subarray(1));
    assert.ok(!shorter.same);
    assert.equal(sha(shorter.bytes), sha(mediaFile));
  });
});
