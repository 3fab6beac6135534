import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { setTopLevelBlock } from './yaml-edit.ts';
import { isMxError } from './errors.ts';

const o = { path: 'homeserver.yaml', ownComment: ['# ours'] };
const file = `# head comment
a: 1 # why a
listeners:
  - port: 8008
    bind_addresses: ["0.0.0.0"]   # hand-kept flow style

# an admin's note
z: "last"
`;

test('adds a new key at the end after a blank line; every other byte is kept', () => {
  const out = setTopLevelBlock(file, 'k', '# ours\nk:\n  - "x"\n', o);
  assert.equal(out, `${file}\n# ours\nk:\n  - "x"\n`);
});

test('replaces an existing key where it stands, with its own comment, and removing it restores the file', () => {
  const added = setTopLevelBlock(file, 'k', '# ours\nk:\n  - "x"\n', o);
  const replaced = setTopLevelBlock(added, 'k', '# ours\nk:\n  - "x"\n  - "y"\n', o);
  assert.equal(replaced, `${file}\n# ours\nk:\n  - "x"\n  - "y"\n`);
  assert.equal(setTopLevelBlock(replaced, 'k', '', o), file);
});

test('a hand-written key in the middle is replaced in place; comments around it survive', () => {
  const hand = `a: 1\n# keep me\nk: [ "old" ]   # trailing\n# and me\nb: 2\n`;
  const out = setTopLevelBlock(hand, 'k', '# ours\nk:\n  - "new"\n', o);
  assert.equal(out, `a: 1\n# keep me\n# ours\nk:\n  - "new"\n# and me\nb: 2\n`);
  assert.deepEqual(parse(out), { a: 1, k: ['new'], b: 2 });
  assert.equal(setTopLevelBlock(hand, 'k', '', o), `a: 1\n# keep me\n# and me\nb: 2\n`);
});

test('idempotent: setting the same block twice, or removing an absent key, changes nothing', () => {
  const once = setTopLevelBlock(file, 'k', '# ours\nk:\n  - "x"\n', o);
  assert.equal(setTopLevelBlock(once, 'k', '# ours\nk:\n  - "x"\n', o), once);
  assert.equal(setTopLevelBlock(file, 'k', '', o), file);
});

test('a file that does not parse, or is not a mapping, is refused', () => {
  for (const bad of ['a: [1\n', '- 1\n- 2\n', 'a: 1\na: 2\n']) {
    assert.throws(
      () => setTopLevelBlock(bad, 'k', 'k: 1\n', o),
      (e: unknown) => isMxError(e, 'E_CONFIG_INVALID'),
      bad,
    );
  }
});
