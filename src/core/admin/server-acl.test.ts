import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aclGlobMatches, addDeny, assertNotOwnServer, removeDeny } from './server-acl.ts';
import { isMxError } from '../errors.ts';

describe('server ACL transforms', () => {
  it('adds a deny entry with allow ["*"] when the room had no ACL', () => {
    const r = addDeny(undefined, 'spam.example');
    assert.deepEqual(r, { kind: 'change', content: { allow: ['*'], deny: ['spam.example'], allow_ip_literals: true } });
  });

  it('keeps an existing allow list and other keys; an empty allow becomes ["*"]', () => {
    const r = addDeny(
      { allow: ['*.good.example', 'lab.test'], deny: ['a.example'], allow_ip_literals: false, x: 1 },
      'spam.example',
    );
    assert.deepEqual(r, {
      kind: 'change',
      content: {
        allow: ['*.good.example', 'lab.test'],
        deny: ['a.example', 'spam.example'],
        allow_ip_literals: false,
        x: 1,
      },
    });
    const empty = addDeny({ allow: [], deny: [] }, 'spam.example');
    assert.deepEqual(empty.kind === 'change' ? empty.content.allow : undefined, ['*']);
  });

  it('is idempotent and removes cleanly', () => {
    const content = { allow: ['*'], deny: ['spam.example'], allow_ip_literals: true };
    assert.equal(addDeny(content, 'spam.example').kind, 'unchanged');
    assert.deepEqual(removeDeny(content, 'spam.example'), {
      kind: 'change',
      content: { allow: ['*'], deny: [], allow_ip_literals: true },
    });
    assert.equal(removeDeny(content, 'other.example').kind, 'unchanged');
    assert.equal(removeDeny(undefined, 'x.example').kind, 'unchanged');
  });

  it('globs match like the spec says and refuse our own name', () => {
    assert.equal(aclGlobMatches('*.example.org', 'matrix.example.org'), true);
    assert.equal(aclGlobMatches('*.example.org', 'example.org'), false);
    assert.equal(aclGlobMatches('ex?mple.org', 'EXAMPLE.org:8448'), true);
    assert.equal(aclGlobMatches('a.b', 'axb'), false);
    assert.throws(
      () => assertNotOwnServer('lab.test', 'lab.test'),
      (e) => isMxError(e, 'E_INVALID_INPUT'),
    );
    assert.throws(
      () => assertNotOwnServer('*.test', 'lab.test'),
      (e) => isMxError(e, 'E_INVALID_INPUT'),
    );
    assert.throws(
      () => assertNotOwnServer('*', 'lab.test'),
      (e) => isMxError(e, 'E_INVALID_INPUT'),
    );
    assertNotOwnServer('spam.example', 'lab.test');
  });
});
