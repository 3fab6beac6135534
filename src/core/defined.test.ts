import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definedOnly } from './defined.ts';

test('definedOnly drops undefined keys and keeps every other value, falsy ones too', () => {
  const o = definedOnly({ a: undefined, b: 0, c: false, d: '', e: null, f: 'x' });
  assert.deepEqual(o, { b: 0, c: false, d: '', e: null, f: 'x' });
  assert.equal('a' in o, false);
});
