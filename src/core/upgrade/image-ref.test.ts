import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatImageRef, parseImageRef, registryBaseUrl, withTag } from './image-ref.ts';
import type { ImageRef } from './image-ref.ts';

function ref(text: string): ImageRef {
  const r = parseImageRef(text);
  if (!r.ok) throw new Error(r.problem);
  return r.ref;
}

test("applies Docker Hub's defaults", () => {
  assert.deepEqual(ref('postgres'), {
    registry: 'docker.io',
    repository: 'library/postgres',
    tag: undefined,
    digest: undefined,
  });
  assert.deepEqual(ref('postgres:18'), {
    registry: 'docker.io',
    repository: 'library/postgres',
    tag: '18',
    digest: undefined,
  });
  assert.deepEqual(ref('matrixdotorg/synapse:v1.160.0'), {
    registry: 'docker.io',
    repository: 'matrixdotorg/synapse',
    tag: 'v1.160.0',
    digest: undefined,
  });
  assert.equal(ref('docker.io/library/nginx:1.30').repository, 'library/nginx');
  assert.equal(ref('docker.io/nginx').repository, 'library/nginx');
  assert.equal(ref('index.docker.io/vectorim/element-web:v1.12.4').registry, 'docker.io');
});

test('reads a registry with a port, a tag and a digest', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  assert.deepEqual(ref(`127.0.0.2:5000/element-matrix-lab/synapse:1.160.0@${digest}`), {
    registry: '127.0.0.2:5000',
    repository: 'element-matrix-lab/synapse',
    tag: '1.160.0',
    digest,
  });
  assert.deepEqual(ref(`ghcr.io/element-hq/synapse@${digest}`), {
    registry: 'ghcr.io',
    repository: 'element-hq/synapse',
    tag: undefined,
    digest,
  });
  assert.equal(ref('localhost/x/y:1').registry, 'localhost');
  // A port is not a tag: the colon is before the last slash.
  assert.deepEqual(ref('registry.example:5000/app'), {
    registry: 'registry.example:5000',
    repository: 'app',
    tag: undefined,
    digest: undefined,
  });
});

test('names what is wrong with a bad reference', () => {
  const cases: Record<string, RegExp> = {
    'Synapse:1': /lower-case/,
    'docker.io/a//b': /lower-case/,
    'postgres:18:1': /not a valid tag|lower-case/,
    'postgres@sha256:xyz': /not a digest/,
    'a@sha256:1@sha256:2': /more than one @/,
    'bad_host.example/x': /not a registry host/,
    'postgres:-x': /not a valid tag/,
  };
  for (const [text, want] of Object.entries(cases)) {
    const r = parseImageRef(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.problem, want, text);
  }
});

test('writes a reference out in full and moves it to another tag', () => {
  assert.equal(formatImageRef(ref('postgres:18')), 'docker.io/library/postgres:18');
  const pinned = ref(`127.0.0.2:5000/lab/synapse:1.160.0@sha256:${'0'.repeat(64)}`);
  assert.equal(formatImageRef(withTag(pinned, '1.160.1')), '127.0.0.2:5000/lab/synapse:1.160.1');
});

test("finds the registry's API: Docker Hub's own host, plain HTTP only on loopback", () => {
  assert.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
  assert.equal(registryBaseUrl('127.0.0.2:5000'), 'http://127.0.0.2:5000');
  assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
  assert.equal(registryBaseUrl('ghcr.io'), 'https://ghcr.io');
  assert.equal(registryBaseUrl('127.example.org'), 'https://127.example.org');
});
