import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEncrypt } from './gpg.ts';

describe('gpg adapter', () => {
  it('removes the throwaway homes of killed runs (owner pid gone), keeps live ones', async () => {
    const gone = spawnSync('true').pid;
    const stale = join(tmpdir(), `mxctl-gpg-${gone}-test`);
    const live = join(tmpdir(), `mxctl-gpg-${process.pid}-test`);
    await mkdir(stale, { recursive: true });
    await mkdir(live, { recursive: true });
    const gpg = await startEncrypt('pass');
    gpg.kill();
    await gpg.done.catch(() => undefined);
    const names = await readdir(tmpdir());
    assert.ok(!names.includes(`mxctl-gpg-${gone}-test`), 'the dead run’s home is removed');
    assert.ok(names.includes(`mxctl-gpg-${process.pid}-test`), 'a live run’s home is kept');
    await rm(live, { recursive: true });
  });
});
