// The lab e2e of background updates, on the shared lab (test/e2e/admin.test.ts starts it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminLab } from './lab.ts';

export function backgroundUpdatesTests(fx: AdminLab): void {
  const { mxJson } = fx;
  describe('background-updates', () => {
    it('background-updates: enabled, running or idle', async () => {
      const bg = await mxJson<{ enabled: boolean; current_updates: Record<string, unknown> }>(['background-updates']);
      assert.equal(bg.enabled, true);
    });
  });
}
