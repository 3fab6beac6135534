import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  ALLOWLIST_COMMENT,
  ALLOWLIST_KEY,
  addToAllowlist,
  allowlistSettingProblems,
  effectiveWhitelist,
  parseAllowlistSetting,
  removeFromAllowlist,
  renderAllowlistBlock,
} from './federation-allowlist.ts';
import type { ServerName } from './ids.ts';
import { renderHomeserver } from '../templates/homeserver.ts';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';
import { setTopLevelBlock } from '../yaml-edit.ts';
import { isMxError } from '../errors.ts';

const own = 'example.org';
const names = (...n: string[]) => n as ServerName[];
const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, 'x'.repeat(43)])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;
const base = settingsFromChoices({ domain: own }, secrets);
const edit = (text: string, list: readonly string[]) =>
  setTopLevelBlock(text, ALLOWLIST_KEY, renderAllowlistBlock(own, list), {
    path: 'homeserver.yaml',
    ownComment: ALLOWLIST_COMMENT,
  });

test('the setting: comma-separated, empty = federate with everyone, every bad entry reported', () => {
  assert.deepEqual(parseAllowlistSetting(''), []);
  assert.deepEqual(parseAllowlistSetting(' a.example , B.example:8448,'), ['a.example', 'b.example:8448']);
  assert.deepEqual(allowlistSettingProblems('a.example,bad name,a.example,-x-.'), [
    '"bad name" is not a server name',
    '"a.example" is listed twice',
    '"-x-." is not a server name',
  ]);
});

test('Synapse gets no key for an empty list (never [] = nobody), else our own name first', () => {
  assert.equal(effectiveWhitelist(own, []), undefined);
  assert.equal(renderAllowlistBlock(own, []), '');
  assert.deepEqual(effectiveWhitelist(own, ['a.example']), [own, 'a.example']);
  assert.deepEqual(effectiveWhitelist(own, [own, 'a.example']), [own, 'a.example']);
  assert.deepEqual(parse(renderAllowlistBlock(own, ['a.example', '[::1]:8448'])), {
    [ALLOWLIST_KEY]: [own, 'a.example', '[::1]:8448'],
  });
});

test('add: new names appended, known ones reported unchanged; own name and bad names refused', () => {
  const r = addToAllowlist(names('a.example'), ['b.example', 'A.example', 'b.example'], own);
  assert.deepEqual(r, { list: ['a.example', 'b.example'], changed: ['b.example'], unchanged: ['a.example'] });
  assert.throws(
    () => addToAllowlist([], ['ok.example', 'not a name'], own),
    (e: unknown) => isMxError(e, 'E_INVALID_INPUT'),
  );
  assert.throws(
    () => addToAllowlist([], [own], own),
    (e: unknown) => isMxError(e, 'E_INVALID_INPUT') && /is this server/.test(e.message),
  );
  assert.throws(
    () => addToAllowlist([], [], own),
    (e: unknown) => isMxError(e, 'E_USAGE'),
  );
});

test('remove: a name not on the list, or emptying the list, is refused with the reason', () => {
  assert.deepEqual(removeFromAllowlist(names('a.example', 'b.example'), ['a.example'], own).list, ['b.example']);
  assert.throws(
    () => removeFromAllowlist(names('a.example', 'b.example'), ['a.example', 'c.example'], own),
    (e: unknown) => isMxError(e, 'E_NOT_FOUND') && /c\.example/.test(e.message),
  );
  assert.throws(
    () => removeFromAllowlist(names('a.example'), ['a.example'], own),
    (e: unknown) => isMxError(e, 'E_INVALID_INPUT') && /allowlist clear/.test(e.hint ?? ''),
  );
});

test('editing a deployed homeserver.yaml gives exactly what the template renders (init re-run shows no diff)', () => {
  const open = renderHomeserver(base);
  const two = renderHomeserver({ ...base, MX_FEDERATION_ALLOWLIST: 'a.example,b.example' });
  const one = renderHomeserver({ ...base, MX_FEDERATION_ALLOWLIST: 'b.example' });
  assert.equal(edit(open, ['a.example', 'b.example']), two);
  assert.equal(edit(two, ['b.example']), one);
  assert.equal(edit(one, []), open);
  assert.equal(edit(two, ['a.example', 'b.example']), two, 'idempotent');
  assert.deepEqual((parse(two) as Record<string, unknown>)[ALLOWLIST_KEY], [own, 'a.example', 'b.example']);
  assert.equal((parse(open) as Record<string, unknown>)[ALLOWLIST_KEY], undefined);
});

test("an admin's hand comment anywhere in homeserver.yaml survives add and clear", () => {
  const hand =
    renderHomeserver(base).replace(
      'enable_registration: true\n',
      '# do not open registration (ticket 42)\nenable_registration: true\n',
    ) + '# trailing note\n';
  const added = edit(hand, ['a.example']);
  assert.match(added, /# do not open registration \(ticket 42\)\nenable_registration: true/);
  assert.match(added, /# trailing note\n\n# Federation allowlist/);
  assert.equal(edit(added, []), hand);
});
