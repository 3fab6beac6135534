import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, newerTags, parseTagVersion, upgradeKind } from './versions.ts';
import type { TagVersion } from './versions.ts';

function v(tag: string): TagVersion {
  const r = parseTagVersion(tag);
  if (r === undefined) throw new Error(`${tag} is not a version`);
  return r;
}

test('reads versions, pre-releases and variants from tags', () => {
  assert.deepEqual(v('v1.160.0'), { tag: 'v1.160.0', prefix: 'v', parts: [1, 160, 0], pre: undefined, variant: '' });
  assert.deepEqual(v('v1.161.0rc1'), { tag: 'v1.161.0rc1', prefix: 'v', parts: [1, 161, 0], pre: 'rc1', variant: '' });
  assert.equal(v('2.0.0-beta.2').pre, 'beta.2');
  assert.deepEqual(v('18-alpine'), { tag: '18-alpine', prefix: '', parts: [18], pre: undefined, variant: 'alpine' });
  assert.equal(v('1.160.2-broken').variant, 'broken');
  assert.equal(v('1.160.2-broken').pre, undefined);
  for (const tag of ['latest', 'develop', 'sha-1234abc', 'v', '1.2.3.4.5', 'main-2026'])
    assert.equal(parseTagVersion(tag), undefined, tag);
});

test('orders versions numerically, a pre-release before its release', () => {
  const sorted = ['1.161.0', '1.160.0', '1.161.0rc2', '1.9.0', '1.161.0rc10', '1.160.1']
    .map(v)
    .sort(compareVersions)
    .map((x) => x.tag);
  assert.deepEqual(sorted, ['1.9.0', '1.160.0', '1.160.1', '1.161.0rc2', '1.161.0rc10', '1.161.0']);
  assert.equal(compareVersions(v('v1.160.0'), v('1.160.0')), 0);
});

test('offers only newer stable tags of the same shape as the pin', () => {
  const hub = [
    'latest',
    'v1.159.0',
    'v1.160.0',
    'v1.160.1',
    'v1.161.0rc1',
    'v1.161.0',
    '1.162.0',
    'v1.161.0-py3',
    'develop',
  ];
  assert.deepEqual(
    newerTags('v1.160.0', hub).map((x) => x.tag),
    ['v1.160.1', 'v1.161.0'],
  );
  assert.deepEqual(
    newerTags('v1.160.0', hub, { includePrerelease: true }).map((x) => x.tag),
    ['v1.160.1', 'v1.161.0rc1', 'v1.161.0'],
  );
  const postgres = ['17', '18', '18.1', '18-alpine', '19beta1', '19', 'latest'];
  assert.deepEqual(
    newerTags('18', postgres).map((x) => x.tag),
    ['19'],
  );
  assert.deepEqual(
    newerTags('18.1', postgres).map((x) => x.tag),
    [],
  );
  assert.deepEqual(
    newerTags('1.160.0', ['1.160.0', '1.160.1', '1.160.2-broken', '1.161.0']).map((x) => x.tag),
    ['1.160.1', '1.161.0'],
  );
});

test('offers nothing for a pin that names no version', () => {
  assert.deepEqual(newerTags('latest', ['1.0.0', '2.0.0']), []);
});

test('says how far an upgrade goes', () => {
  assert.equal(upgradeKind(v('1.160.0'), v('1.160.1')), 'patch');
  assert.equal(upgradeKind(v('v1.160.0'), v('v1.161.0')), 'minor');
  assert.equal(upgradeKind(v('18'), v('19')), 'major');
  assert.equal(upgradeKind(v('1.30'), v('1.31')), 'minor');
});
