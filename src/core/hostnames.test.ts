import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostnameProblem, assertHostname } from './hostnames.ts';
import { isMxError } from './errors.ts';

test('accepts ordinary domain names', () => {
  for (const name of ['example.org', 'chat.example.org', 'a-b.example.co.uk', 'lab.test', 'xn--bcher-kva.example']) {
    assert.equal(hostnameProblem(name), undefined, name);
  }
});

test('names what is wrong with a bad domain', () => {
  const cases: Record<string, RegExp> = {
    '': /empty/,
    'Example.org': /upper-case/,
    localhost: /two labels/,
    'https://example.org': /URL/,
    'example.org:8448': /port/,
    '-bad.example.org': /label "-bad"/,
    'bad_.example.org': /label/,
    '10.0.0.1': /IP address/,
    [`${'a'.repeat(64)}.org`]: /label/,
  };
  for (const [name, why] of Object.entries(cases)) {
    assert.match(hostnameProblem(name) ?? '', why, name);
  }
});

test('assertHostname throws an E_INVALID_INPUT naming the value', () => {
  assert.throws(
    () => assertHostname('no', 'domain'),
    (e: unknown) => isMxError(e, 'E_INVALID_INPUT') && e.message.includes('"no"'),
  );
});
