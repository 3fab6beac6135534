import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRestored, leadsToRestored } from './restore-plan.ts';

describe('what a restore puts back', () => {
  it('the config, media and state of the backed-up server', () => {
    for (const rel of ['synapse/homeserver.yaml', 'synapse/media_store/local_content/ab/cd/x', 'state/admin.json'])
      assert.equal(isRestored(rel), true, rel);
  });

  it("keeps this machine's upgrade journal and lock: a rollback's restore must not erase the upgrade it undoes", () => {
    assert.equal(isRestored('state/upgrades.json'), false);
    assert.equal(isRestored('state/upgrade.lock'), false);
    assert.equal(leadsToRestored('state/upgrades.json'), false);
    assert.equal(leadsToRestored('state'), true);
  });

  it('not the backups, the certificates or .env as a file', () => {
    for (const rel of ['backups/x.tar.gpg', 'certs/live/fullchain.pem', '.env'])
      assert.equal(isRestored(rel), false, rel);
  });
});
