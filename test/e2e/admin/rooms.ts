// The lab e2e of rooms: list, show, members, state, block, delete, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enc, sleep } from './lab.ts';
import type { AdminLab } from './lab.ts';
import type { RoomList } from '../../../src/ops/admin/rooms.ts';
import type { StateEvent } from '../../../src/adapters/synapse-admin.ts';

export function roomsTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, joinRoom, name } = fx;
  describe('rooms', () => {
    it('rooms list: every page, order, search, limit; the same rooms synadm lists', async () => {
      const { lab, synadm } = fx;
      const owner = await makeUser(name('frank'));
      const member = await makeUser(name('grace'));
      const ids: string[] = [];
      for (const n of ['alpha', 'bravo', 'charlie', 'delta', 'echo'])
        ids.push(await owner.client.createRoom(`${name('list')}-${n}`));
      await joinRoom(member.client, ids[4] ?? '', owner.client, member.id);
      // NOTE: Synapse updates room statistics (joined_members) asynchronously after a join.
      for (let i = 0; i < 50; i++) {
        const r = await lab.admin.call<{ joined_members: number }>(
          'GET',
          `/_synapse/admin/v1/rooms/${enc(ids[4] ?? '')}`,
        );
        if (r.joined_members === 2) break;
        await sleep(200);
      }

      const all = await mxJson<RoomList>(['rooms', 'list']);
      assert.equal(all.rooms.length, all.total);
      for (const id of ids)
        assert.ok(
          all.rooms.some((r) => r.room_id === id),
          id,
        );
      // small pages: the walk still returns every room exactly once
      const paged = await mxJson<RoomList>(['rooms', 'list', '--page-size', '2']);
      assert.deepEqual(paged.rooms.map((r) => r.room_id).sort(), all.rooms.map((r) => r.room_id).sort());

      const search = await mxJson<RoomList>(['rooms', 'list', '--search', name('list'), '--order-by', 'name']);
      assert.deepEqual(
        search.rooms.map((r) => r.name),
        ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((n) => `${name('list')}-${n}`),
      );
      const byMembers = await mxJson<RoomList>([
        'rooms',
        'list',
        '--search',
        name('list'),
        '--order-by',
        'joined_members',
        '--limit',
        '1',
      ]);
      assert.equal(byMembers.rooms.length, 1);
      assert.equal(byMembers.rooms[0]?.room_id, ids[4]);
      assert.equal(byMembers.rooms[0]?.joined_members, 2);
      assert.equal(byMembers.total, 5);

      const text = await mx(['rooms', 'list', '--search', name('list')]);
      assert.match(text.stdout, /ROOM ID\s+NAME\s+MEMBERS/);
      assert.match(text.stdout, new RegExp(`${name('list')}-echo\\s+2`));

      const viaSynadm = await synadm.json<{
        rooms: { room_id: string; name: string; joined_members: number }[];
        total_rooms: number;
      }>(['room', 'list', '-l', '10000']);
      assert.equal(viaSynadm.total_rooms, all.total);
      assert.deepEqual(
        viaSynadm.rooms.map((r) => `${r.room_id} ${r.joined_members}`).sort(),
        all.rooms.map((r) => `${r.room_id} ${r.joined_members}`).sort(),
      );

      const bad = await mx(['rooms', 'list', '--order-by', 'size_of_moon']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--order-by/);
    });

    it('rooms show/members/state/block/delete act on the server', async () => {
      const { lab, server } = fx;
      const owner = await makeUser(name('heidi'));
      const member = await makeUser(name('ivan'));
      const roomId = await owner.client.createRoom(name('doomed'));
      await joinRoom(member.client, roomId, owner.client, member.id);
      const shown = await mxJson<{ room_id: string; name: string; joined_members: number }>(['rooms', 'show', roomId]);
      assert.deepEqual([shown.name, shown.joined_members], [name('doomed'), 2]);
      const members = await mxJson<{ members: string[] }>(['rooms', 'members', roomId]);
      assert.deepEqual(members.members.sort(), [owner.id, member.id].sort());
      const pl = await mxJson<{ state: StateEvent[] }>(['rooms', 'state', roomId, '--type', 'm.room.power_levels']);
      assert.equal(pl.state.length, 1);
      assert.equal((pl.state[0]?.content['users'] as Record<string, number>)[owner.id], 100);

      assert.equal((await mx(['rooms', 'block', roomId, '--yes'])).code, 0);
      assert.equal(
        (await lab.admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).block,
        true,
      );
      assert.equal((await mx(['rooms', 'unblock', roomId])).code, 0);
      assert.equal(
        (await lab.admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).block,
        false,
      );

      const dry = await mxJson<{ planned: unknown[] }>(['rooms', 'delete', roomId, '--dry-run']);
      assert.equal(dry.planned.length, 1);
      assert.equal(
        (await lab.admin.call<{ members: string[] }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`)).members
          .length,
        2,
      );
      const del = await mxJson<{ status: string; kickedUsers: string[] }>([
        'rooms',
        'delete',
        roomId,
        '--block',
        '--yes',
      ]);
      assert.equal(del.status, 'complete');
      assert.deepEqual(del.kickedUsers.sort(), [owner.id, member.id].sort());
      await assert.rejects(lab.admin.call('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}`), /M_NOT_FOUND/);
      assert.equal(
        (await lab.admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).block,
        true,
      );
      const post = await owner.client.request('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t1`, {
        msgtype: 'm.text',
        body: 'still here?',
      });
      assert.equal(post.status, 403);

      const unknown = await mx(['rooms', 'show', `!doesnotexist:${server}`]);
      assert.equal(unknown.code, 12);
      const malformed = await mx(['rooms', 'members', 'general']);
      assert.equal(malformed.code, 2);
      assert.match(malformed.stderr, /neither a room id nor a room alias/);
    });
  });
}
