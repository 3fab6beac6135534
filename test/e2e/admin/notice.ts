// The lab e2e of server notices, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enc } from './lab.ts';
import type { AdminLab } from './lab.ts';

export function noticeTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, name, run } = fx;
  describe('notice', () => {
    it('notice send: the user finds the notice in their Server Notices room', async () => {
      const { server } = fx;
      const u = await makeUser(name('nora'));
      const text = `maintenance tonight ${run}`;
      const sent = await mxJson<{ userId: string; eventId: string }>(['notice', 'send', u.id, text]);
      assert.equal(sent.userId, u.id);
      // auto_join: the user is already in the room, which carries the m.server_notice tag.
      const joined = await u.client.request('GET', '/_matrix/client/v3/joined_rooms');
      assert.equal(joined.status, 200);
      const rooms = joined.json['joined_rooms'] as string[];
      let noticeRoom: string | undefined;
      for (const roomId of rooms) {
        const tags = await u.client.request('GET', `/_matrix/client/v3/user/${enc(u.id)}/rooms/${enc(roomId)}/tags`);
        if ((tags.json['tags'] as Record<string, unknown> | undefined)?.['m.server_notice'] !== undefined)
          noticeRoom = roomId;
      }
      assert.ok(noticeRoom, `a room tagged m.server_notice among ${rooms.join(', ')}`);
      assert.deepEqual(await u.client.messages(noticeRoom), [text]);
      const ev = await u.client.request(
        'GET',
        `/_matrix/client/v3/rooms/${enc(noticeRoom)}/event/${enc(sent.eventId)}`,
      );
      assert.equal(ev.json['sender'], `@notices:${server}`);
      const roomName = await u.client.request('GET', `/_matrix/client/v3/rooms/${enc(noticeRoom)}/state/m.room.name/`);
      assert.equal(roomName.json['name'], 'Server Notices');

      const dry = await mxJson<{ planned: unknown[] }>(['notice', 'send', u.id, 'not sent', '--dry-run']);
      assert.equal(dry.planned.length, 1);
      assert.deepEqual(await u.client.messages(noticeRoom), [text], 'a dry run sends nothing');
      for (const [args, code] of [
        [['notice', 'send', '@nobody:bad host', 'x'], 2],
        [['notice', 'send', u.id, '  '], 2],
        [['notice', 'send', `@ghost${run}:${server}`, 'x'], 12],
      ] as const) {
        const r = await mx(args);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      }
    });
  });
}
