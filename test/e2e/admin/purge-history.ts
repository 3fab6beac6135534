// The lab e2e of purge-history: one room, --keep-local, the --all sweep, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enc, sleep } from './lab.ts';
import type { AdminLab } from './lab.ts';
import type { PurgeHistoryReport } from '../../../src/ops/admin/purge-history.ts';

export function purgeHistoryTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, sql, name } = fx;
  describe('purge-history', () => {
    it('purge-history removes the old events and keeps the new', async () => {
      const { server } = fx;
      const u = await makeUser(name('judy'));
      const rooms = [
        await u.client.createRoom(name('history')),
        await u.client.createRoom(name('history-kept')),
        await u.client.createRoom(name('history-all')),
      ];
      const old: string[][] = [[], [], []];
      for (const [i, roomId] of rooms.entries())
        for (const n of [1, 2, 3]) old[i]?.push(await u.client.send(roomId, `old ${n}`));
      await sleep(1500);
      const cutoff = new Date().toISOString();
      await sleep(1500);
      for (const roomId of rooms) for (const n of [1, 2]) await u.client.send(roomId, `new ${n}`);
      const [roomId = '', keptId = ''] = rooms;
      const [oldIds = [], keptOldIds = []] = old;
      assert.deepEqual((await u.client.messages(roomId)).sort(), ['new 1', 'new 2', 'old 1', 'old 2', 'old 3']);
      const fetch = (room: string, id: string) =>
        u.client.request('GET', `/_matrix/client/v3/rooms/${enc(room)}/event/${enc(id)}`);

      const future = await mx([
        'purge-history',
        roomId,
        '--before',
        new Date(Date.now() + 86_400_000).toISOString(),
        '--yes',
      ]);
      assert.equal(future.code, 2);
      assert.match(future.stderr, /in the future/);
      const dry = await mx(['purge-history', roomId, '--before', cutoff, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal((await u.client.messages(roomId)).length, 5, 'nothing changed by a refused or dry run');

      const r = await mxJson<PurgeHistoryReport>(['purge-history', roomId, '--before', cutoff, '--yes']);
      assert.equal(r.status, 'complete');
      assert.equal(r.deleteLocalEvents, true);
      assert.deepEqual((await u.client.messages(roomId)).sort(), ['new 1', 'new 2']);
      for (const id of oldIds)
        assert.equal((await fetch(roomId, id)).status, 404, 'old events are gone from the database');

      // --keep-local: the local events stay in the database (fetchable by id)
      const kept = await mxJson<PurgeHistoryReport>([
        'purge-history',
        keptId,
        '--before',
        cutoff,
        '--keep-local',
        '--yes',
      ]);
      assert.equal(kept.status, 'complete');
      assert.equal(kept.deleteLocalEvents, false);
      // NOTE: Synapse marks kept events before the cut-off as outliers (clients can no longer fetch them), so ask the database.
      const inDb = async (ids: readonly string[]) =>
        Number(
          (await sql(`SELECT count(*) FROM events WHERE event_id IN (${ids.map((i) => `'${i}'`).join(',')})`)).trim(),
        );
      assert.equal(await inDb(keptOldIds), 3, 'local events kept in the database');
      assert.equal(await inDb(oldIds), 0, 'purged events are gone from the database');

      const older = await mx(['purge-history', roomId, '--older-than', '90d', '--yes']);
      assert.equal(older.code, 0, older.stderr);
      assert.deepEqual((await u.client.messages(roomId)).sort(), ['new 1', 'new 2']);

      // the retention sweep: every room, the same cut-off
      const sweep = await mxJson<{ rooms: PurgeHistoryReport[]; failed: unknown[] }>([
        'purge-history',
        '--all',
        '--before',
        cutoff,
        '--yes',
      ]);
      assert.deepEqual(sweep.failed, []);
      const allId = rooms[2] ?? '';
      assert.equal(sweep.rooms.find((x) => x.roomId === allId)?.status, 'complete');
      assert.ok(sweep.rooms.length >= 3);
      // NOTE: Synapse purges up to the room's last event before the cut-off, which it may keep
      // (topological ordering "<", not "<="): the newest old message can survive.
      const left = await u.client.messages(allId);
      assert.ok(
        left.includes('new 1') && left.includes('new 2') && !left.includes('old 1') && !left.includes('old 2'),
        JSON.stringify(left),
      );
      assert.equal(await inDb((old[2] ?? []).slice(0, 2)), 0);
      assert.equal(
        (await mx(['purge-history', roomId, '--all', '--older-than', '1d', '--yes'])).code,
        2,
        'a room and --all',
      );

      for (const [args, code] of [
        [['purge-history', `!nope:${server}`, '--older-than', '1d', '--yes'], 12],
        [['purge-history', 'nope', '--older-than', '1d', '--yes'], 2],
        [['purge-history', roomId, '--older-than', '90', '--yes'], 2],
        [['purge-history', roomId, '--yes'], 2],
      ] as const) {
        const x = await mx(args);
        assert.equal(x.code, code, `${args.join(' ')}: ${x.stderr}`);
      }
    });
  });
}
