import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseUses, viewToken } from './tokens.ts';
import { parseMxc } from './media.ts';
import { isMxError } from '../../core/errors.ts';

const NOW = 1_800_000_000_000;

describe('token and media input', () => {
  it('a token is valid while it has uses left and has not expired', () => {
    const t = { token: 't', uses_allowed: 1, pending: 0, completed: 0, expiry_time: NOW + 1 };
    assert.equal(viewToken(t, NOW).valid, true);
    assert.equal(viewToken({ ...t, completed: 1 }, NOW).valid, false);
    assert.equal(viewToken({ ...t, pending: 1 }, NOW).valid, false, 'a pending registration holds the last use');
    assert.equal(viewToken({ ...t, expiry_time: NOW - 1 }, NOW).valid, false);
    assert.equal(viewToken({ ...t, uses_allowed: null, completed: 99, expiry_time: null }, NOW).valid, true);
  });

  it('--uses: a whole number or "unlimited"', () => {
    assert.equal(parseUses('1'), 1);
    assert.equal(parseUses('0'), 0);
    assert.equal(parseUses('unlimited'), null);
    for (const bad of ['-1', '1.5', 'many', ''])
      assert.throws(
        () => parseUses(bad),
        (e) => isMxError(e, 'E_INVALID_INPUT'),
        bad,
      );
  });

  it('media URIs', () => {
    assert.deepEqual(parseMxc('mxc://Example.org/AbC_12-x'), { origin: 'example.org', mediaId: 'AbC_12-x' });
    for (const bad of ['http://example.org/a', 'mxc://example.org/', 'mxc://example.org/a/b', 'mxc:///a']) {
      assert.throws(
        () => parseMxc(bad),
        (e) => isMxError(e, 'E_INVALID_INPUT'),
        bad,
      );
    }
  });
});
