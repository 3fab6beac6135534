// readTar over a child's stdout: what the child writes after the end-of-archive blocks must be
// read to the end, or the child's 'close' (gpg's verdict) never comes and the process stops
// with its exit still awaited — the hang seen once in the restore benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readTar, tarBuffer } from './tar-stream.ts';
import { endOfArchive } from '../core/backup/tar-format.ts';

test('readTar reads a child’s output to its end, so the child’s close is reported', { timeout: 20_000 }, async () => {
  const tar = Buffer.concat([
    ...tarBuffer({ path: 'a.txt', mode: 0o600, uid: 0, gid: 0, mtime: 0 }, Buffer.from('hello')),
    endOfArchive(),
  ]);
  // The archive, then (later, as gpg's last write may come) more zero padding, then exit.
  const script = `process.stdout.write(Buffer.from('${tar.toString('base64')}', 'base64')); setTimeout(() => process.stdout.write(Buffer.alloc(8192)), 300);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = once(child, 'close');
  const seen: string[] = [];
  await readTar(child.stdout, async (h, body) => {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    seen.push(`${h.path}=${Buffer.concat(parts).toString()}`);
  });
  assert.deepEqual(seen, ['a.txt=hello']);
  const [code] = (await closed) as [number | null, NodeJS.Signals | null];
  assert.equal(code, 0);
});
