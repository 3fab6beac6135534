// The lab e2e of users: list, show, whois, deactivate, shadow-ban, suspend, create, modify, reset-password, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MatrixUser } from '../../../lab/matrix-user.ts';
import { enc } from './lab.ts';
import type { AdminLab } from './lab.ts';

export function usersTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, joinRoom, name } = fx;
  describe('users', () => {
    it('users list/show/whois see a user as synadm does', async () => {
      const { synadm } = fx;
      const u = await makeUser(name('carol'));
      await u.client.request('GET', '/_matrix/client/v3/account/whoami');
      const list = await mxJson<{ users: { name: string; displayname: string | null }[]; total: number }>([
        'users',
        'list',
        '--name',
        name('carol'),
      ]);
      assert.deepEqual(
        list.users.map((x) => x.name),
        [u.id],
      );
      const shown = await mxJson<{ name: string; displayname: string; deactivated: boolean }>(['users', 'show', u.id]);
      assert.equal(shown.displayname, name('carol'));
      assert.equal(shown.deactivated, false);
      const bare = await mxJson<{ name: string }>(['users', 'show', name('carol')]);
      assert.equal(bare.name, u.id, 'a bare local name is completed with the server name');
      const viaSynadm = await synadm.json<{ name: string; displayname: string; admin: boolean }>([
        'user',
        'details',
        u.id,
      ]);
      assert.equal(viaSynadm.displayname, shown.displayname);
      const whois = await mxJson<{ user_id: string; devices: Record<string, unknown> }>(['users', 'whois', u.id]);
      assert.equal(whois.user_id, u.id);
      assert.ok(Object.keys(whois.devices).length >= 1);
      const all = await mxJson<{ users: unknown[]; total: number }>(['users', 'list']);
      assert.equal(all.users.length, all.total, 'every page walked');
    });

    it('users deactivate: asks, dry-runs, then the user can no longer log in', async () => {
      const { lab, matrix } = fx;
      const u = await makeUser(name('dave'));
      const login = () => MatrixUser.login(matrix, lab.publicHttp, u.id, u.password);
      await login();
      const refused = await mx(['users', 'deactivate', u.id]);
      assert.equal(refused.code, 2, 'a script without --yes is refused');
      const dry = await mx(['users', 'deactivate', u.id, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /Dry run: nothing was changed/);
      // NOTE: logins are few on purpose: Synapse's rc_login allows a burst of 5 per address.
      assert.equal(
        (await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(u.id)}`)).deactivated,
        false,
      );
      const r = await mxJson<{ userId: string; erased: boolean }>(['users', 'deactivate', u.id, '--erase', '--yes']);
      assert.equal(r.erased, true);
      await assert.rejects(login(), /HTTP 403/);
      const details = await lab.admin.call<{ deactivated: boolean; erased: boolean }>(
        'GET',
        `/_synapse/admin/v2/users/${enc(u.id)}`,
      );
      assert.deepEqual([details.deactivated, details.erased], [true, true]);
      const again = await mx(['users', 'deactivate', u.id, '--yes']);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /already deactivated/);
    });

    it('users deactivate: bad ids, unknown and remote users, our own admin: clear errors', async () => {
      const { lab, server } = fx;
      const cases: [string[], number, RegExp][] = [
        [['users', 'deactivate', '@bad id:x', '--yes'], 2, /not a user id/],
        [['users', 'deactivate', '@nobody-here:' + server, '--yes'], 12, /does not exist/],
        [['users', 'deactivate', '@someone:other.example', '--yes'], 2, /not a user of this server/],
        [['users', 'deactivate', '@admin:' + server, '--yes'], 2, /own admin account/],
        [['users', 'show', 'not a user'], 2, /not a user id/],
      ];
      for (const [args, code, msg] of cases) {
        const r = await mx(args);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, msg);
      }
      const admin = await lab.admin.call<{ deactivated: boolean }>(
        'GET',
        `/_synapse/admin/v2/users/${enc('@admin:' + server)}`,
      );
      assert.equal(admin.deactivated, false);
    });

    it('users shadow-ban and suspend change the server state, and back', async () => {
      const { lab } = fx;
      const u = await makeUser(name('erin'));
      const get = () =>
        lab.admin.call<{ shadow_banned: boolean; suspended: boolean }>('GET', `/_synapse/admin/v2/users/${enc(u.id)}`);
      assert.equal((await mx(['users', 'shadow-ban', u.id, '--yes'])).code, 0);
      assert.equal((await get()).shadow_banned, true);
      assert.equal((await mx(['users', 'unshadow-ban', u.id])).code, 0);
      assert.equal((await get()).shadow_banned, false);
      assert.equal((await mx(['users', 'suspend', u.id, '--yes'])).code, 0);
      assert.equal((await get()).suspended, true);
      const room = await makeUser(name('erinfriend'));
      const roomId = await room.client.createRoom('suspension test');
      await joinRoom(u.client, roomId, room.client, u.id).then(
        () => assert.fail('a suspended user cannot join'),
        () => undefined,
      );
      assert.equal((await mx(['users', 'unsuspend', u.id])).code, 0);
      assert.equal((await get()).suspended, false);
    });

    it('users create/modify/reset-password: the password comes from a file or is generated, never argv', async () => {
      const { lab, matrix, server, synadm } = fx;
      const local = name('peggy');
      const id = `@${local}:${server}`;
      const pwFile = join(lab.dir, 'state', `${local}.pw`);
      await writeFile(pwFile, 'first-secret-pw\n', { mode: 0o600 });
      try {
        const created = await mxJson<{ userId: string; password?: string }>([
          'users',
          'create',
          local,
          '--password-file',
          pwFile,
          '--displayname',
          'Peggy',
        ]);
        assert.equal(created.userId, id);
        assert.equal(created.password, undefined, 'a password from a file is not echoed');
        const session = await MatrixUser.login(matrix, lab.publicHttp, id, 'first-secret-pw');
        const dup = await mx(['users', 'create', local, '--password-file', pwFile]);
        assert.equal(dup.code, 2);
        assert.match(dup.stderr, /already exists/);

        await mxJson(['users', 'modify', id, '--displayname', 'Peggy Two', '--admin']);
        let u = await lab.admin.call<{ displayname: string; admin: boolean; locked: boolean }>(
          'GET',
          `/_synapse/admin/v2/users/${enc(id)}`,
        );
        assert.deepEqual([u.displayname, u.admin], ['Peggy Two', true]);
        await mxJson(['users', 'modify', id, '--no-admin', '--lock']);
        u = await lab.admin.call('GET', `/_synapse/admin/v2/users/${enc(id)}`);
        assert.deepEqual([u.admin, u.locked], [false, true]);
        await mxJson(['users', 'modify', id, '--unlock']);
        const selfDemote = await mx(['users', 'modify', `@admin:${server}`, '--no-admin']);
        assert.equal(selfDemote.code, 2);

        const reset = await mxJson<{ password: string }>(['users', 'reset-password', id, '--yes']);
        assert.ok(reset.password.length >= 20);
        assert.equal(
          (await session.request('GET', '/_matrix/client/v3/account/whoami')).status,
          401,
          'the reset logged out the old session',
        );
        await MatrixUser.login(matrix, lab.publicHttp, id, reset.password);
        const viaSynadm = await synadm.json<{ displayname: string; admin: boolean }>(['user', 'details', id]);
        assert.deepEqual([viaSynadm.displayname, Boolean(viaSynadm.admin)], ['Peggy Two', false]);
      } finally {
        await rm(pwFile, { force: true });
      }
    });
  });
}
