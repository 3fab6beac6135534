import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExcluded } from './file-selection.ts';

test("a restore drill's folder, restore staging and Synapse's caches are never backed up", () => {
  for (const rel of [
    'drills',
    'drills/drill-123/staged/deployment/.env',
    '.restore-abc/deployment/synapse/homeserver.yaml',
    'synapse/media_store/remote_content/x',
    'synapse/homeserver.pid',
  ])
    assert.ok(isExcluded(rel, []), rel);
  for (const rel of ['synapse/homeserver.yaml', 'state/restore-tests.json', 'docs/RUNBOOK.md', 'drillsx/a'])
    assert.ok(!isExcluded(rel, []), rel);
});
