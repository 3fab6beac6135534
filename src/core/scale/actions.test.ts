import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diskAction, workerAction, REMOTE_MEDIA_LIFETIME } from './actions.ts';

const GiB = 1024 ** 3;
const breakdown = {
  filesystem: { path: 'synapse/media_store', totalBytes: 100 * GiB, freeBytes: 15 * GiB },
  localMediaBytes: 10 * GiB,
  remoteMediaBytes: 40 * GiB,
  databaseBytes: 20 * GiB,
  retention: undefined,
};

describe('the action of a fired trigger', () => {
  it('disk: the breakdown, purge-remote, and media_retention appended as a diff', () => {
    const hs = 'server_name: "example.org"\nform_secret: "x"\n';
    const a = diskAction(breakdown, hs);
    assert.match(a.summary, /media 10\.00 GiB, remote media cache 40\.00 GiB, database 20\.00 GiB/);
    assert.ok(a.commands.includes('mxctl media purge-remote --older-than 30d'));
    assert.match(a.diff, new RegExp(`\\+media_retention:\\n\\+  remote_media_lifetime: ${REMOTE_MEDIA_LIFETIME}`));
    assert.match(a.details[0] ?? '', /cached from other servers/);
    assert.deepEqual(a.breakdown, breakdown);
  });
  it('disk: a retention already set is not set again', () => {
    const hs = 'media_retention:\n  remote_media_lifetime: 30d\n';
    const a = diskAction({ ...breakdown, retention: { remote: '30d' } }, hs);
    assert.equal(a.diff, '');
    assert.ok(a.details.some((d) => d.includes('is 30d')));
  });
  it('federation lag and load name their worker presets', () => {
    assert.equal(workerAction('federation_lag').commands[1], 'mxctl scale workers --preset federation');
    assert.equal(workerAction('concurrent_users').commands[1], 'mxctl scale workers --preset users');
    assert.equal(workerAction('sync').commands[0], 'mxctl scale workers --preset users --dry-run');
  });
});
