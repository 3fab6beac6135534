import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from './sizes.ts';

test('sizes: 8G, 512M, 16GiB, 1.5T; garbage and zero are undefined', () => {
  assert.equal(parseSize('8G'), 8 * 1024 ** 3);
  assert.equal(parseSize('512M'), 512 * 1024 ** 2);
  assert.equal(parseSize(' 16GiB '), 16 * 1024 ** 3);
  assert.equal(parseSize('1.5T'), 1.5 * 1024 ** 4);
  assert.equal(parseSize('lots'), undefined);
  assert.equal(parseSize('0G'), undefined);
  assert.equal(parseSize('8'), undefined, 'a unit is needed');
});
