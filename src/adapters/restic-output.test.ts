import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { classify, parseJson, resticError } from './restic-output.ts';

// restic 0.14's own words, as printed in the lab.
test("restic's fatal messages become mxctl's codes", () => {
  assert.equal(classify('Fatal: wrong password or no key found\n'), 'wrong-password');
  assert.equal(
    classify(
      'Fatal: unable to open config file: stat /x/config: no such file or directory\nIs there a repository at the following location?\n/x',
    ),
    'missing',
  );
  assert.equal(
    classify(
      'unable to create lock in backend: repository is already locked by PID 28574 on vm by root (UID 0, GID 0)',
    ),
    'locked',
  );
  assert.equal(classify('Fatal: repository contains errors'), 'corrupt');
  assert.equal(classify('Save(<data/1234>) returned error: write /r/data/12: no space left on device'), 'no-space');
  assert.equal(classify('something else'), 'failed');
  // An S3 endpoint or an rclone remote that does not answer: never "missing" (a backup would init).
  assert.equal(
    classify(
      'Fatal: unable to open config file: Stat: Get "http://127.0.0.1:9000/b/?location=": dial tcp 127.0.0.1:9000: connect: connection refused\nIs there a repository at the following location?\ns3:http://127.0.0.1:9000/b',
    ),
    'unreachable',
  );
  const down = resticError(
    'opening the repository',
    1,
    undefined,
    'Fatal: unable to open repository at rclone:offsite:b/restic: error talking HTTP to rclone: Get "http://localhost/file-1": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\n',
  );
  assert.equal(down.code, 'E_OFFSITE_FAILED');
  assert.match(down.message, /did not answer/);
  const e = resticError('opening the repository', 1, undefined, 'Fatal: wrong password or no key found\n');
  assert.equal(e.code, 'E_REPOSITORY_PASSWORD');
  assert.ok(e.hint !== undefined);
});

test('JSON that is not what restic prints is refused, not misread', () => {
  const schema = z.object({ total_size: z.number() });
  assert.deepEqual(parseJson(schema, '{"total_size": 3}', 'stats'), { total_size: 3 });
  assert.throws(() => parseJson(schema, 'not json', 'stats'), /not JSON/);
  assert.throws(() => parseJson(schema, '{"total_size": "3"}', 'stats'), /unexpected JSON/);
});
