// The lab e2e of mxctl's access: a non-admin or expired token, a stopped Synapse, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enc } from './lab.ts';
import type { AdminLab } from './lab.ts';
import { adminStatePath } from '../../../src/ops/admin/state.ts';
import { createCompose } from '../../../src/adapters/compose.ts';

export function accessTests(fx: AdminLab): void {
  const { mx, makeUser, name } = fx;
  describe('access', () => {
    it('a non-admin token, an expired token and a stopped Synapse: clear errors, nothing changed', async () => {
      const { lab } = fx;
      const statePath = adminStatePath(lab.dir);
      const saved = await readFile(statePath, 'utf8');
      const plain = await makeUser(name('oscar'));
      try {
        const st = JSON.parse(saved) as { access_token: string };
        await writeFile(statePath, JSON.stringify({ ...JSON.parse(saved), access_token: plain.client.accessToken }), {
          mode: 0o600,
        });
        const notAdmin = await mx(['rooms', 'list']);
        assert.equal(notAdmin.code, 5);
        assert.match(notAdmin.stderr, /not a server admin/);
        assert.ok(!notAdmin.stderr.includes(plain.client.accessToken ?? '???'), 'no token in the error');
        const del = await mx(['users', 'deactivate', plain.id, '--yes']);
        assert.equal(del.code, 5);
        await writeFile(statePath, JSON.stringify({ ...JSON.parse(saved), access_token: 'syt_expired_or_revoked' }), {
          mode: 0o600,
        });
        const revoked = await mx(['tokens', 'list']);
        assert.equal(revoked.code, 5);
        assert.match(revoked.stderr, /mxctl admin init/);
        assert.ok(!revoked.stderr.includes('syt_expired_or_revoked') && !revoked.stderr.includes(st.access_token));
      } finally {
        await writeFile(statePath, saved, { mode: 0o600 });
      }
      assert.equal(
        (await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(plain.id)}`))
          .deactivated,
        false,
      );

      // Synapse down: the compose service stopped for real, then brought back by mxctl up.
      await createCompose(join(lab.dir, 'compose')).stop(['synapse']);
      try {
        const down = await mx(['users', 'deactivate', plain.id, '--yes']);
        assert.equal(down.code, 5);
        assert.match(down.stderr, /did not answer: connection refused/);
        assert.match(down.stderr, /mxctl status/);
      } finally {
        const up = await lab.mxctl(['up']);
        assert.equal(up.code, 0, up.stderr);
      }
      assert.equal(
        (await lab.admin.call<{ deactivated: boolean }>('GET', `/_synapse/admin/v2/users/${enc(plain.id)}`))
          .deactivated,
        false,
      );
    });
  });
}
