import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseLocalUser,
  parseRegistrationToken,
  parseRoomId,
  parseRoomRef,
  parseServerName,
  parseUserId,
} from './ids.ts';
import { isMxError } from '../errors.ts';

const invalid = (e: unknown) => isMxError(e, 'E_INVALID_INPUT');

describe('matrix ids', () => {
  it('accepts well-formed user ids, room ids, aliases and server names', () => {
    assert.equal(parseUserId('@alice:example.org'), '@alice:example.org');
    assert.equal(parseUserId('@a.b_c=d-e/f:matrix.example.org:8448'), '@a.b_c=d-e/f:matrix.example.org:8448');
    assert.equal(parseRoomId('!abcDEF123:example.org'), '!abcDEF123:example.org');
    assert.equal(parseRoomRef('#general:example.org'), '#general:example.org');
    assert.equal(parseServerName('Spam.Example'), 'spam.example');
    assert.equal(parseServerName('[::1]:8448'), '[::1]:8448');
    assert.equal(parseLocalUser('bob', 'lab.test'), '@bob:lab.test');
  });

  it('refuses malformed ones', () => {
    for (const bad of [
      'alice',
      '@alice',
      '@:example.org',
      '@alice:',
      '@al ice:example.org',
      '!room',
      'alice:example.org',
      '@alice:exa mple.org',
      '@alice:.org.',
    ]) {
      assert.throws(() => parseUserId(bad), invalid, bad);
    }
    for (const bad of ['!abc', 'abc:example.org', '#a:b', '!a b:example.org']) {
      assert.throws(() => parseRoomId(bad), invalid, bad);
    }
    assert.throws(() => parseRoomRef('general'), invalid);
    for (const bad of ['', 'exa mple.org', 'a/b', 'http://x.org', '-']) {
      if (bad === '-') continue;
      assert.throws(() => parseServerName(bad), invalid, bad);
    }
  });

  it("registration tokens: Synapse's alphabet, 1-64 characters", () => {
    assert.equal(parseRegistrationToken('abc._~-XYZ09'), 'abc._~-XYZ09');
    assert.throws(() => parseRegistrationToken('has space'), invalid);
    assert.throws(() => parseRegistrationToken('x'.repeat(65)), invalid);
    assert.throws(() => parseRegistrationToken(''), invalid);
  });
});
