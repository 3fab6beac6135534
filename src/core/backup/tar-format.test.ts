import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, decodeHeaderBlock, encodeHeader, endOfArchive, padding, parsePax } from './tar-format.ts';

function entry(path: string, data: Buffer): Buffer {
  return Buffer.concat([
    encodeHeader({ path, type: 'file', size: data.length, mode: 0o640, uid: 991, gid: 991, mtime: 1_700_000_000 }),
    data,
    Buffer.alloc(padding(data.length)),
  ]);
}

test('a short path fits one ustar block and decodes back', () => {
  const h = encodeHeader({
    path: 'deployment/synapse/homeserver.yaml',
    type: 'file',
    size: 1234,
    mode: 0o600,
    uid: 0,
    gid: 0,
    mtime: 1,
  });
  assert.equal(h.length, BLOCK);
  const d = decodeHeaderBlock(h);
  assert.equal(d?.path, 'deployment/synapse/homeserver.yaml');
  assert.equal(d?.size, 1234);
  assert.equal(d?.mode, 0o600);
});

test('a long path uses the ustar prefix, a very long one a pax header', () => {
  const mid = `deployment/${'a'.repeat(90)}/${'b'.repeat(60)}`;
  assert.equal(encodeHeader({ path: mid, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0 }).length, BLOCK);
  const long = `deployment/${'c'.repeat(300)}`;
  const h = encodeHeader({ path: long, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
  assert.ok(h.length > BLOCK);
  const raw = decodeHeaderBlock(h.subarray(0, BLOCK));
  assert.equal(raw?.typeflag, 'x');
  assert.equal(parsePax(h.subarray(BLOCK, BLOCK + (raw?.size ?? 0))).get('path'), long);
});

test('a damaged header is refused (checksum)', () => {
  const h = encodeHeader({ path: 'x', type: 'file', size: 1, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
  h[130] = 0x37;
  assert.throws(() => decodeHeaderBlock(h), /checksum/);
});

test('stock tar extracts what we write: files, a directory, a symlink, a 300-char path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarfmt-'));
  try {
    const long = `d/${'x'.repeat(150)}/${'y'.repeat(150)}.bin`;
    const data = Buffer.from('hello tar\n');
    const archive = Buffer.concat([
      encodeHeader({ path: 'd', type: 'directory', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 }),
      entry('d/a.txt', data),
      entry(long, Buffer.alloc(1000, 7)),
      encodeHeader({
        path: 'd/link',
        type: 'symlink',
        size: 0,
        mode: 0o777,
        uid: 0,
        gid: 0,
        mtime: 0,
        linkname: 'a.txt',
      }),
      endOfArchive(),
    ]);
    writeFileSync(join(dir, 't.tar'), archive);
    execFileSync('tar', ['-xf', 't.tar'], { cwd: dir });
    assert.equal(readFileSync(join(dir, 'd', 'a.txt'), 'utf8'), 'hello tar\n');
    assert.equal(readFileSync(join(dir, 'd', 'link'), 'utf8'), 'hello tar\n');
    assert.equal(readFileSync(join(dir, long)).length, 1000);
    const listing = execFileSync('tar', ['-tf', 't.tar'], { cwd: dir, encoding: 'utf8' });
    assert.match(listing, /d\/a\.txt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
