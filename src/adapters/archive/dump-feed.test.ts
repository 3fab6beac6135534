// The spooled dump feed: order, the backlog bound, abort. The consumer is an in-process stream
// whose pace the test controls (the real one, pg_restore, is exercised by the lab's restores).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { spooledFeed } from './dump-feed.ts';

/** A consumer that takes nothing until `open()`; then everything, hashed. */
function gatedSink(): { sink: Writable; open: () => void; sha: () => string; bytes: () => number } {
  let release: (() => void) | undefined;
  const opened = new Promise<void>((r) => (release = r));
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(c: Buffer, _e, cb) {
      void opened.then(() => {
        hash.update(c);
        bytes += c.length;
        cb();
      });
    },
  });
  return { sink, open: () => release?.(), sha: () => hash.digest('hex'), bytes: () => bytes };
}

test('the spool gives the consumer every byte in order, holds the writer past its backlog bound, and leaves no segment', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'mxctl-feed-')), 'spool');
  const { sink, open, sha, bytes } = gatedSink();
  const feed = spooledFeed(dir, sink, { maxBacklog: 20 * 1024 * 1024 });
  const expected = createHash('sha256');
  let held = -1;
  for (let i = 0; i < 40; i++) {
    const piece = randomBytes(1024 * 1024);
    expected.update(piece);
    const wait = feed.write(piece);
    if (wait !== undefined) {
      if (held < 0) held = i;
      open();
      await wait;
    }
  }
  assert.equal(held, 20, `held at ${held}: the writer is first held once 21 MiB wait, past the 20 MiB bound`);
  await feed.end();
  assert.equal(bytes(), 40 * 1024 * 1024);
  assert.equal(sha(), expected.digest('hex'));
  assert.deepEqual(await readdir(dir), []);
  await rm(dirname(dir), { recursive: true, force: true });
});

test('abort: nothing more reaches the consumer, and the spool folder is removed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mxctl-feed-'));
  const dir = join(root, 'spool');
  const { sink, open, bytes } = gatedSink();
  const feed = spooledFeed(dir, sink);
  for (let i = 0; i < 40; i++) assert.equal(feed.write(randomBytes(1024 * 1024)), undefined);
  assert.ok((await readdir(dir)).length >= 2, 'sealed segments wait on disk');
  await feed.abort();
  open();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(bytes() <= 1024 * 1024, `at most the piece in flight got through (${bytes()})`);
  assert.deepEqual(await readdir(root), []);
  await rm(root, { recursive: true, force: true });
});
