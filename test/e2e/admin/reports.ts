// The lab e2e of event reports, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enc } from './lab.ts';
import type { AdminLab } from './lab.ts';

export function reportsTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, joinRoom, name } = fx;
  describe('reports', () => {
    it('reports list/show/resolve', async () => {
      const spammer = await makeUser(name('sybil'));
      const victim = await makeUser(name('trent'));
      const roomId = await victim.client.createRoom(name('reported'));
      await joinRoom(spammer.client, roomId, victim.client, spammer.id);
      const eventId = await spammer.client.send(roomId, 'buy cheap pills');
      const rep = await victim.client.request(
        'POST',
        `/_matrix/client/v3/rooms/${enc(roomId)}/report/${enc(eventId)}`,
        { reason: 'spam', score: -100 },
      );
      assert.equal(rep.status, 200, JSON.stringify(rep.json));

      const list = await mxJson<{ reports: { id: number; event_id: string; reason: string }[] }>([
        'reports',
        'list',
        '--room',
        roomId,
      ]);
      assert.equal(list.reports.length, 1);
      const report = list.reports[0];
      assert.equal(report?.event_id, eventId);
      const shown = await mxJson<{ event_json: { content: { body: string } } }>([
        'reports',
        'show',
        String(report?.id),
      ]);
      assert.equal(shown.event_json.content.body, 'buy cheap pills');
      assert.equal((await mx(['reports', 'resolve', String(report?.id), '--yes'])).code, 0);
      assert.equal((await mxJson<{ reports: unknown[] }>(['reports', 'list', '--room', roomId])).reports.length, 0);
      assert.equal((await mx(['reports', 'show', 'abc'])).code, 2);
      assert.equal((await mx(['reports', 'show', '999999'])).code, 12);
    });
  });
}
