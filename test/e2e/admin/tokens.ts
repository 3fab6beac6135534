// The lab e2e of registration tokens: create, list, update, delete, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MatrixUser } from '../../../lab/matrix-user.ts';
import type { AdminLab } from './lab.ts';
import type { TokenView } from '../../../src/ops/admin/tokens.ts';
import type { RegistrationToken } from '../../../src/adapters/synapse-admin.ts';

export function tokensTests(fx: AdminLab): void {
  const { mx, mxJson, name } = fx;
  describe('tokens', () => {
    it('tokens create: single use by default, admits exactly one registration', async () => {
      const { lab, matrix, synadm } = fx;
      const t = await mxJson<TokenView>(['tokens', 'create']);
      assert.equal(t.uses_allowed, 1);
      assert.ok(
        t.expiry_time !== null && Math.abs(t.expiry_time - (Date.now() + 7 * 86_400_000)) < 120_000,
        'expires in 7 days',
      );
      const first = await MatrixUser.register(matrix, lab.publicHttp, name('newbie'), 'pw-newbie-123', t.token);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await MatrixUser.register(matrix, lab.publicHttp, name('second'), 'pw-second-123', t.token);
      assert.equal(second.status, 401, 'the used token admits nobody else');
      const shown = await mxJson<TokenView>(['tokens', 'show', t.token]);
      assert.equal(shown.completed, 1);
      assert.equal(shown.valid, false);
      // synadm sees the same token the same way
      const viaSynadm = await synadm.json<{ registration_tokens: RegistrationToken[] }>(['regtok', 'list']);
      const same = viaSynadm.registration_tokens.find((x) => x.token === t.token);
      assert.equal(same?.completed, 1);
      assert.equal(same?.uses_allowed, 1);
    });

    it('tokens create/list/update/delete with explicit values; --dry-run creates nothing', async () => {
      const { lab } = fx;
      const tok = name('invite');
      const dry = await mxJson<TokenView & { planned: unknown[] }>(['tokens', 'create', '--token', tok, '--dry-run']);
      assert.equal(dry.planned.length, 1);
      await assert.rejects(lab.admin.call('GET', `/_synapse/admin/v1/registration_tokens/${tok}`), /M_NOT_FOUND/);

      const t = await mxJson<TokenView>(['tokens', 'create', '--token', tok, '--uses', '5', '--expires', 'never']);
      assert.deepEqual([t.token, t.uses_allowed, t.expiry_time], [tok, 5, null]);
      const valid = await mxJson<TokenView[]>(['tokens', 'list', '--valid']);
      assert.ok(valid.some((x) => x.token === tok));
      const invalid = await mxJson<TokenView[]>(['tokens', 'list', '--invalid']);
      assert.ok(!invalid.some((x) => x.token === tok));

      await mxJson(['tokens', 'update', tok, '--uses', 'unlimited', '--expires', '30d']);
      const server1 = await lab.admin.call<RegistrationToken>('GET', `/_synapse/admin/v1/registration_tokens/${tok}`);
      assert.equal(server1.uses_allowed, null);
      assert.ok(server1.expiry_time !== null && server1.expiry_time > Date.now() + 29 * 86_400_000);
      const table = await mx(['tokens', 'list']);
      assert.match(table.stdout, new RegExp(`${tok}\\s+unlimited`));

      const noYes = await mx(['tokens', 'delete', tok]);
      assert.equal(noYes.code, 2, 'no terminal and no --yes: refused');
      await lab.admin.call('GET', `/_synapse/admin/v1/registration_tokens/${tok}`);
      const del = await mx(['tokens', 'delete', tok, '--yes']);
      assert.equal(del.code, 0, del.stderr);
      await assert.rejects(lab.admin.call('GET', `/_synapse/admin/v1/registration_tokens/${tok}`), /M_NOT_FOUND/);
    });

    it('tokens: bad input is refused and creates nothing', async () => {
      const { lab } = fx;
      const before = (
        await lab.admin.call<{ registration_tokens: unknown[] }>('GET', '/_synapse/admin/v1/registration_tokens')
      ).registration_tokens.length;
      for (const args of [
        ['--token', 'has space'],
        ['--uses', 'many'],
        ['--expires', '2001-01-01'],
        ['--expires', '7y'],
      ]) {
        const r = await mx(['tokens', 'create', ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /mxctl: /);
      }
      const missing = await mx(['tokens', 'show', 'no-such-token']);
      assert.equal(missing.code, 12);
      assert.match(missing.stderr, /does not exist/);
      const after = (
        await lab.admin.call<{ registration_tokens: unknown[] }>('GET', '/_synapse/admin/v1/registration_tokens')
      ).registration_tokens.length;
      assert.equal(after, before);
    });
  });
}
