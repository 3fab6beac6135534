// The rclone store against the real rclone binary: a `local` remote, and an `s3` remote pointed
// at s3rver on loopback (small upload cutoff, so the upload is multipart). Faults come from a
// wrapper script on the binary path that makes rclone misbehave (exit 5, a byte flipped in transit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createRcloneStore } from './rclone-store.ts';
import { isMxError } from '../core/errors.ts';

// NOTE: rclone 1.60's s3 backend cannot load AWS_CA_BUNDLE into its transport ("unsupported
// transport") and fails at once; this machine's environment sets it for other tools.
delete process.env['AWS_CA_BUNDLE'];

let root: string;
let config: string;
let s3: S3rver;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mxctl-rclone-'));
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(root, 's3'),
    configureBuckets: [{ name: 'mxbk' }],
  });
  const { port } = await s3.run();
  config = join(root, 'rclone.conf');
  await writeFile(
    config,
    [
      '[disk]',
      'type = local',
      '',
      '[lab]',
      'type = s3',
      'provider = Other',
      'access_key_id = S3RVER',
      'secret_access_key = S3RVER',
      `endpoint = http://127.0.0.1:${port}`,
      'upload_cutoff = 5Mi',
      'chunk_size = 5Mi',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
});
after(async () => {
  s3.httpServer.closeAllConnections?.();
  await s3.close();
  await rm(root, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const remote of ['disk', 'lab'] as const) {
  test(`${remote} remote: put (verified), list, get, delete; a folder never written lists empty`, async () => {
    const target = remote === 'disk' ? `disk:${join(root, 'remote-disk')}` : 'lab:mxbk/matrix';
    const store = createRcloneStore({ remote: target, config });
    assert.deepEqual(await store.list(), []);
    const data = randomBytes(12 * 1024 * 1024 + 7);
    const src = join(root, `src-${remote}`);
    await writeFile(src, data);
    await store.putFile('a.tar.gpg', src);
    await store.putBytes('a.manifest.json', Buffer.from('{"id":"a"}'));
    assert.deepEqual(
      (await store.list()).sort((x, y) => x.key.localeCompare(y.key)),
      [
        { key: 'a.manifest.json', size: 10 },
        { key: 'a.tar.gpg', size: data.length },
      ],
    );
    const back = join(root, `back-${remote}`);
    await store.getFile('a.tar.gpg', back);
    assert.equal(sha(await readFile(back)), sha(data));
    await store.remove('a.manifest.json');
    await store.remove('a.manifest.json');
    assert.deepEqual(
      (await store.list()).map((o) => o.key),
      ['a.tar.gpg'],
    );
  });
}

async function wrapper(name: string, body: string): Promise<string> {
  const p = join(root, name);
  await writeFile(p, `#!/bin/sh\n${body}\n`);
  await chmod(p, 0o755);
  return p;
}

test('a temporary failure that outlasts the retries: E_OFFSITE_FAILED naming the kind, no secret in the message', async () => {
  const binary = await wrapper('rclone-exit5', 'echo "Failed to copy: connection reset" >&2; exit 5');
  const store = createRcloneStore({ remote: 'lab:mxbk/matrix', config, binary });
  await assert.rejects(
    store.list(),
    (e: unknown) =>
      isMxError(e, 'E_OFFSITE_FAILED') &&
      /code 5, temporary error/.test(e.message) &&
      !/S3RVER/.test(`${e.message}${e.detail ?? ''}`),
  );
});

test("a URL with a password in rclone's log is blanked in the error", async () => {
  const binary = await wrapper(
    'rclone-url',
    'echo "Failed to copy: Get \\"https://backup:hunter2@dav.example.org/x\\": EOF" >&2; exit 1',
  );
  const store = createRcloneStore({ remote: 'dav:x', config, binary });
  await assert.rejects(
    store.list(),
    (e: unknown) =>
      isMxError(e, 'E_OFFSITE_FAILED') &&
      !/hunter2/.test(e.detail ?? '') &&
      /\/\/REDACTED@dav\.example\.org/.test(e.detail ?? ''),
  );
});

test('a byte flipped in transit is caught by the hash read back after the upload', async () => {
  const src = join(root, 'flip-src');
  await writeFile(src, randomBytes(64 * 1024));
  // Uploads a copy with its first byte changed: same size, different content.
  const binary = await wrapper(
    'rclone-flip',
    'if [ "$1" = copyto ] && [ -f "$2" ]; then t=$(mktemp); cp "$2" "$t"; printf Z | dd of="$t" bs=1 seek=0 conv=notrunc 2>/dev/null; shift 2; exec rclone copyto "$t" "$@"; fi\nexec rclone "$@"',
  );
  const store = createRcloneStore({ remote: `disk:${join(root, 'remote-flip')}`, config, binary });
  await assert.rejects(
    store.putFile('x.tar.gpg', src),
    (e: unknown) => isMxError(e, 'E_OFFSITE_FAILED') && /arrived damaged \(md5 differs/.test(e.message),
  );
});

test('the rclone binary missing: E_TOOL_MISSING', async () => {
  const store = createRcloneStore({ remote: 'lab:mxbk', config, binary: join(root, 'no-such-rclone') });
  await assert.rejects(store.list(), (e: unknown) => isMxError(e, 'E_TOOL_MISSING'));
});
