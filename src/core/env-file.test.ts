import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile, formatEnvFile, formatEnvValue, setEnvValue } from './env-file.ts';

test('parses compose-style .env lines, quotes and comments', () => {
  const { values, errors } = parseEnvFile(`# comment\nA=1\nB='x y'\nC="q\\"z"\nD=plain # trailing\n\nE=\n`);
  assert.deepEqual(errors, []);
  assert.deepEqual(Object.fromEntries(values), { A: '1', B: 'x y', C: 'q"z', D: 'plain', E: '' });
});

test('reports every malformed line with its number', () => {
  const { errors } = parseEnvFile('GOOD=1\nnot a setting\n9BAD=2\n');
  assert.deepEqual(errors, ['line 2: expected KEY=VALUE', 'line 3: expected KEY=VALUE']);
});

test('a written file parses back to the same values', () => {
  const entries = [
    { key: 'URL', value: 'https://acme.example/dir' },
    { key: 'SPACE', value: 'two words' },
    { key: 'SECRET', value: 'aB3-_xyz' },
    { key: 'EMPTY', value: '' },
  ];
  const text = formatEnvFile('# header', [{ title: 't', entries: entries.map((e) => ({ ...e, comment: 'why' })) }]);
  const { values } = parseEnvFile(text);
  for (const e of entries) assert.equal(values.get(e.key), e.value);
});

test('refuses values it cannot write safely', () => {
  assert.throws(() => formatEnvValue("it's"));
  assert.throws(() => formatEnvValue('a\nb'));
});

test('setEnvValue changes one line in place and keeps every comment and the order', () => {
  const text = '# header\n\n# --- names ---\n# why A\nA=1\nB=2 # note\n# --- secrets ---\nS=x\n';
  assert.equal(
    setEnvValue(text, 'B', 'two words'),
    "# header\n\n# --- names ---\n# why A\nA=1\nB='two words'\n# --- secrets ---\nS=x\n",
  );
  assert.equal(
    setEnvValue(text, 'NEW', 'a,b', { comment: 'what\nand why', insertBefore: /^# --- secrets/ }),
    '# header\n\n# --- names ---\n# why A\nA=1\nB=2 # note\n# what\n# and why\nNEW=a,b\n# --- secrets ---\nS=x\n',
  );
  assert.equal(setEnvValue('A=1', 'NEW', ''), 'A=1\nNEW=\n');
  assert.equal(parseEnvFile(setEnvValue('A=1\nA=2\n', 'A', '3')).values.get('A'), '3', 'the line that wins is changed');
  assert.equal(parseEnvFile(setEnvValue(text, 'A', '[::1]:8448,b.example')).values.get('A'), '[::1]:8448,b.example');
});
