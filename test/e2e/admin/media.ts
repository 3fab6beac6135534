// The lab e2e of media: list, quarantine, delete, purge-remote, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminLab } from './lab.ts';

export function mediaTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, name, run } = fx;
  describe('media', () => {
    it('media list/quarantine/delete and purge-remote act on the media store', async () => {
      const { server } = fx;
      const u = await makeUser(name('rupert'));
      const uris: string[] = [];
      for (const n of [1, 2]) {
        const up = await u.client.request('POST', `/_matrix/media/v3/upload?filename=f${n}.json`, { file: n, run });
        assert.equal(up.status, 200);
        uris.push(up.json['content_uri'] as string);
      }
      const list = await mxJson<{ media: { mxc: string; quarantined_by: string | null }[]; total: number }>([
        'media',
        'list',
        u.id,
      ]);
      assert.deepEqual(list.media.map((m) => m.mxc).sort(), [...uris].sort());
      const [first = '', second = ''] = uris;
      assert.equal((await mx(['media', 'quarantine', first, '--yes'])).code, 0);
      const after = await mxJson<{ media: { mxc: string; quarantined_by: string | null }[] }>(['media', 'list', u.id]);
      assert.ok(after.media.find((m) => m.mxc === first)?.quarantined_by !== null);
      assert.equal(after.media.find((m) => m.mxc === second)?.quarantined_by, null);

      const dry = await mx(['media', 'delete', second, '--dry-run']);
      assert.equal(dry.code, 0);
      assert.equal((await mxJson<{ total: number }>(['media', 'list', u.id])).total, 2);
      const del = await mxJson<{ deleted: number }>(['media', 'delete', second, '--yes']);
      assert.equal(del.deleted, 1);
      assert.deepEqual(
        (await mxJson<{ media: { mxc: string }[] }>(['media', 'list', u.id])).media.map((m) => m.mxc),
        [first],
      );

      const remote = await mxJson<{ deleted: number }>(['media', 'purge-remote', '--older-than', '30d', '--yes']);
      assert.equal(remote.deleted, 0, 'the lab has no remote media');
      for (const [args, code] of [
        [['media', 'delete', 'mxc://other.example/abc', '--yes'], 2],
        [['media', 'delete', 'http://x/y', '--yes'], 2],
        [['media', 'delete', `mxc://${server}/doesnotexist`, '--yes'], 12],
        [['media', 'purge-remote', '--older-than', 'soon', '--yes'], 2],
      ] as const) {
        const x = await mx(args);
        assert.equal(x.code, code, `${args.join(' ')}: ${x.stderr}`);
      }
    });
  });
}
