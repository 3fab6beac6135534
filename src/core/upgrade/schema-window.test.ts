import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canRun, judgeSchemaWindow, parseSchemaPair } from './schema-window.ts';

const v160 = { version: 94, compat: 84 };
const next = { version: 95, compat: 84 };
const compat = { version: 96, compat: 95 };

test('an upgrade that migrates but keeps the compat: rollback needs no restore', () => {
  const w = judgeSchemaWindow({ db: v160, current: v160, target: next });
  assert.equal(w.ok, true);
  if (!w.ok) return;
  assert.equal(w.migrates, true);
  assert.equal(w.compatAfter, 84);
  assert.equal(w.rollbackNeedsRestore, false);
});

test('an upgrade that raises the compat past the old schema: rollback needs the restore', () => {
  const w = judgeSchemaWindow({ db: v160, current: v160, target: compat });
  assert.equal(w.ok && w.rollbackNeedsRestore, true);
  assert.equal(w.ok && w.compatAfter, 95);
  assert.match(w.ok ? w.summary : '', /pre-upgrade backup/);
});

test('a downgrade the database cannot take is refused', () => {
  const w = judgeSchemaWindow({ db: { version: 96, compat: 95 }, current: compat, target: v160 });
  assert.equal(w.ok, false);
  assert.match(w.ok ? '' : w.reason, /understands schemas up to 94/);
});

test('a downgrade within the window is allowed and migrates nothing', () => {
  const w = judgeSchemaWindow({ db: { version: 95, compat: 84 }, current: next, target: v160 });
  assert.equal(w.ok && w.migrates, false);
  assert.equal(w.ok && w.rollbackNeedsRestore, false);
});

test('no schema in the database yet: the current image stands in for it', () => {
  assert.equal(judgeSchemaWindow({ db: undefined, current: v160, target: next }).ok, true);
  assert.equal(canRun(v160, undefined), true);
  assert.equal(canRun(v160, { version: 96, compat: 95 }), false);
});

test('reads the constants printed by the image', () => {
  assert.deepEqual(parseSchemaPair('95 84\n'), { version: 95, compat: 84 });
  assert.equal(parseSchemaPair('Traceback …'), undefined);
});
