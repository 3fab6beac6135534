// The lab e2e of federation: block, destinations, allowlist, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enc } from './lab.ts';
import type { AdminLab } from './lab.ts';
import type { RoomList } from '../../../src/ops/admin/rooms.ts';
import type { ServerAclReport } from '../../../src/ops/admin/federation.ts';

export function federationTests(fx: AdminLab): void {
  const { mx, mxJson, makeUser, state, name } = fx;
  describe('federation', () => {
    it("federation block: every local room's ACL denies the server with allow * intact; unblock removes it", async () => {
      const { server } = fx;
      const owner = await makeUser(name('niaj'));
      await owner.client.createRoom(name('fed'));
      const refuse = await mx(['federation', 'block', server, '--yes']);
      assert.equal(refuse.code, 2);
      assert.match(refuse.stderr, /own name/);
      const glob = await mx(['federation', 'block', '*', '--yes']);
      assert.equal(glob.code, 2);

      const r = await mxJson<ServerAclReport>(['federation', 'block', 'spam.example', '--take-over', '--yes']);
      assert.equal(r.complete, true, JSON.stringify(r.rooms.filter((x) => x.result !== 'changed')));
      const local = (await mxJson<RoomList>(['rooms', 'list'])).rooms.filter((x) => x.joined_local_members > 0);
      assert.ok(local.length >= 2);
      for (const room of local) {
        const acl = await state<{ allow: string[]; deny: string[] }>(room.room_id, 'm.room.server_acl');
        assert.deepEqual(acl?.allow, ['*'], room.room_id);
        assert.ok(acl?.deny.includes('spam.example'), room.room_id);
      }
      // our own users can still talk in a room carrying the ACL
      const probe = local.find((x) => x.creator === owner.id);
      if (probe !== undefined) await owner.client.send(probe.room_id, 'still federating with ourselves');

      const again = await mxJson<ServerAclReport>(['federation', 'block', 'spam.example', '--yes']);
      assert.ok(again.rooms.every((x) => x.result === 'unchanged'));
      const un = await mxJson<ServerAclReport>(['federation', 'unblock', 'spam.example', '--yes']);
      assert.equal(un.complete, true);
      for (const room of local) {
        const acl = await state<{ allow: string[]; deny: string[] }>(room.room_id, 'm.room.server_acl');
        assert.deepEqual([acl?.allow, acl?.deny.includes('spam.example')], [['*'], false]);
      }
    });

    it('federation destinations list them; reset of a server never contacted is E_NOT_FOUND', async () => {
      const dest = await mxJson<{ destinations: unknown[]; total: number }>(['federation', 'destinations']);
      assert.equal(dest.total, dest.destinations.length);
      const reset = await mx(['federation', 'reset', 'never-contacted.example']);
      assert.equal(reset.code, 12);
    });

    it('federation allowlist: Synapse refuses unlisted servers after the restart, clear lifts it; hand comments and init re-runs keep it', async () => {
      const { lab, server } = fx;
      const envFile = join(lab.dir, '.env');
      const hsFile = join(lab.dir, 'synapse', 'homeserver.yaml');
      const files = async () => [await readFile(envFile, 'utf8'), await readFile(hsFile, 'utf8')];
      const u = await makeUser(name('ferdinand'));
      // NOTE: the probe is a profile lookup on another server: Synapse answers it from federation,
      // and refuses an unlisted server with 403 "Federation denied with X." before any network call
      // (a join of #room:X is refused too, but reported as 502 "Failed to fetch alias"). Every name
      // here is loopback, and Synapse's default ip_range_blacklist stops it connecting even to those.
      const probe = async (server: string) =>
        u.client.request('GET', `/_matrix/client/v3/profile/${enc(`@someone:${server}`)}`);
      const friend = '127.0.0.1:9';
      const stranger = '127.0.0.1:1';
      assert.deepEqual(await mxJson(['federation', 'allowlist']), {
        serverName: server,
        federation: 'open',
        allowlist: [],
        homeserver: null,
        inSync: true,
      });
      const openProbe = await probe(stranger);
      assert.notEqual(openProbe.status, 403, JSON.stringify(openProbe.json));

      // An admin's hand edit: a comment, and (as in a deployment written before the template had
      // it) no server_notices section, so a notice is refused with a clear error until init adds it.
      const [, hs0 = ''] = await files();
      const handNote = '# hand note: ask the board before opening registration';
      const edited = hs0
        .replace('enable_registration: true\n', `${handNote}\nenable_registration: true\n`)
        .replace(/\n# Server notices[^]*?auto_join: true\n/, '');
      assert.ok(!edited.includes('server_notices') && edited.includes(handNote));
      await writeFile(hsFile, edited);
      let restored = false;
      try {
        const unchanged = await files();
        for (const [args, code] of [
          [['add', 'bad name', 'ok.example'], 2],
          [['add', server], 2],
          [['remove', friend], 12],
          [['add', friend], 2], // no terminal and no --yes
          [['add', friend, '--dry-run'], 0],
        ] as const) {
          const r = await mx(['federation', 'allowlist', ...args]);
          assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
          assert.deepEqual(await files(), unchanged, `${args.join(' ')} changed nothing`);
        }
        const dry = await mx(['federation', 'allowlist', 'add', friend, '--dry-run']);
        assert.match(dry.stderr, /\+federation_domain_whitelist:/);
        assert.ok(!dry.stderr.includes(lab.settings.POSTGRES_PASSWORD), 'the diff is redacted');

        const added = await mxJson<{ allowlist: string[]; restarted: boolean; files: string[] }>([
          'federation',
          'allowlist',
          'add',
          friend,
          '--yes',
          '--restart',
        ]);
        assert.deepEqual(
          [added.allowlist, added.restarted, added.files],
          [[friend], true, ['.env', 'synapse/homeserver.yaml']],
        );
        const [env1 = '', hs1 = ''] = await files();
        assert.match(env1, new RegExp(`^MX_FEDERATION_ALLOWLIST=${friend}$`, 'm'));
        assert.ok(hs1.includes(handNote), 'the hand comment survives');
        assert.equal(
          hs1,
          `${edited}\n# Federation allowlist: Synapse federates only with these servers (this one is always listed).\n# Managed by \`mxctl federation allowlist\` from MX_FEDERATION_ALLOWLIST in .env; absent = everyone.\nfederation_domain_whitelist:\n  - "${server}"\n  - "${friend}"\n`,
          'only the key was added',
        );
        const denied = await probe(stranger);
        assert.deepEqual([denied.status, denied.json['error']], [403, `Federation denied with ${stranger}.`]);
        const allowed = await probe(friend);
        assert.notEqual(allowed.status, 403, `a listed server is tried: ${JSON.stringify(allowed.json)}`);
        const notice = await mx(['notice', 'send', u.id, 'maintenance tonight']);
        assert.equal(notice.code, 3, notice.stderr);
        assert.match(notice.stderr, /server_notices/);

        // A re-run of init re-renders homeserver.yaml from the template: the allowlist stays (from
        // .env), the missing server_notices section comes back, the hand comment goes (init's diff said so).
        const reinit = await mx(['init', '--domain', server, '--yes']);
        assert.equal(reinit.code, 0, reinit.stderr);
        const [env2 = '', hs2 = ''] = await files();
        assert.equal(env2, env1);
        assert.match(hs2, new RegExp(`federation_domain_whitelist:\\n  - "${server}"\\n  - "${friend}"\\n`));
        assert.match(hs2, /server_notices:/);
        assert.deepEqual(await mxJson(['federation', 'allowlist']), {
          serverName: server,
          federation: 'allowlist',
          allowlist: [friend],
          homeserver: [server, friend],
          inSync: true,
        });

        const removeLast = await mx(['federation', 'allowlist', 'remove', friend, '--yes']);
        assert.equal(removeLast.code, 2, 'emptying the list by remove is refused: clear says it');
        assert.match(removeLast.stderr, /allowlist clear/);
        const cleared = await mxJson<{ allowlist: string[]; restarted: boolean }>([
          'federation',
          'allowlist',
          'clear',
          '--yes',
          '--restart',
        ]);
        assert.deepEqual([cleared.allowlist, cleared.restarted], [[], true]);
        restored = true;
        assert.ok(!(await readFile(hsFile, 'utf8')).includes('federation_domain_whitelist'));
        assert.match(await readFile(envFile, 'utf8'), /^MX_FEDERATION_ALLOWLIST=$/m);
        const reopened = await probe(stranger);
        assert.notEqual(reopened.status, 403, `no refusal after clear: ${JSON.stringify(reopened.json)}`);
        assert.notEqual(reopened.json['error'], `Federation denied with ${stranger}.`);
      } finally {
        if (!restored) {
          await mx(['federation', 'allowlist', 'clear', '--yes', '--no-restart']);
          await mx(['init', '--domain', server, '--yes']);
          await mx(['restart', 'synapse']);
        }
      }
    });
  });
}
