// The lab e2e of abuse quarantine, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enc } from './lab.ts';
import type { AdminLab } from './lab.ts';
import type { QuarantineReport } from '../../../src/ops/admin/abuse.ts';

export function abuseTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, state, joinRoom, name, run } = fx;
  describe('abuse', () => {
    it('abuse quarantine: power -1 in every room (full power levels kept), media quarantined, user cannot post', async () => {
      const { lab } = fx;
      const good = await makeUser(name('kate'));
      const bad = await makeUser(name('mallory'));
      const rooms = [await good.client.createRoom(name('q1')), await good.client.createRoom(name('q2'))];
      for (const r of rooms) await joinRoom(bad.client, r, good.client, bad.id);
      const spam = await bad.client.request(
        'PUT',
        `/_matrix/client/v3/rooms/${enc(rooms[0] ?? '')}/send/m.room.message/m0`,
        { msgtype: 'm.text', body: 'spam' },
      );
      assert.equal(spam.status, 200);
      const upload = await bad.client.request('POST', '/_matrix/media/v3/upload?filename=spam.json', { spam: run });
      assert.equal(upload.status, 200, JSON.stringify(upload.json));
      const before = await Promise.all(rooms.map((r) => state<Record<string, unknown>>(r, 'm.room.power_levels')));

      const partial = await mx(['abuse', 'quarantine', bad.id, '--yes', '--keep-media', '--json']);
      assert.equal(partial.code, 1, 'rooms left unchanged: exit 1');
      const noTakeOver = JSON.parse(partial.stdout) as QuarantineReport;
      assert.equal(noTakeOver.complete, false);
      assert.ok(noTakeOver.rooms.every((r) => r.result === 'skipped' && /--take-over/.test(r.detail)));

      const dry = await mxJson<QuarantineReport & { planned: { action: string }[] }>([
        'abuse',
        'quarantine',
        bad.id,
        '--take-over',
        '--dry-run',
      ]);
      assert.ok(
        dry.rooms.every((r) => r.result === 'changed'),
        JSON.stringify(dry.rooms),
      );
      assert.ok(dry.planned.some((p) => p.action.startsWith('send m.room.power_levels')));
      assert.deepEqual(
        await Promise.all(rooms.map((r) => state(r, 'm.room.power_levels'))),
        before,
        'a dry run changes nothing',
      );

      const r = await lab.mxctl(['abuse', 'quarantine', bad.id, '--take-over', '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as QuarantineReport;
      assert.equal(report.complete, true);
      assert.deepEqual(report.rooms.map((x) => x.roomId).sort(), [...rooms].sort());
      for (const [i, roomId] of rooms.entries()) {
        const after = await state<{ users: Record<string, number> }>(roomId, 'm.room.power_levels');
        assert.equal(after?.users[bad.id], -1);
        const { users: beforeUsers, ...beforeRest } = before[i] as { users: Record<string, number> };
        const { users: afterUsers, ...afterRest } = after;
        assert.deepEqual(afterRest, beforeRest, 'every other power-level key kept');
        assert.equal(afterUsers[good.id], beforeUsers[good.id]);
        const send = await bad.client.request(
          'PUT',
          `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/after${i}`,
          { msgtype: 'm.text', body: 'more spam' },
        );
        assert.equal(send.status, 403, 'quarantined user cannot post');
        await good.client.send(roomId, 'the others still can');
      }
      assert.ok((report.mediaQuarantined ?? 0) >= 1);
      const media = await lab.admin.call<{ media: { quarantined_by: string | null }[] }>(
        'GET',
        `/_synapse/admin/v1/users/${enc(bad.id)}/media`,
      );
      assert.ok(media.media.length === 1 && media.media.every((m) => m.quarantined_by !== null), JSON.stringify(media));
      const again = await mxJson<QuarantineReport>(['abuse', 'quarantine', bad.id, '--yes', '--keep-media']);
      assert.ok(
        again.rooms.every((x) => x.result === 'unchanged'),
        'idempotent',
      );

      const deact = await mxJson<QuarantineReport>(['abuse', 'quarantine', bad.id, '--yes', '--deactivate']);
      assert.equal(deact.deactivated, true);
      assert.equal(
        (await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(bad.id)}`)).deactivated,
        true,
      );
    });
  });
}
