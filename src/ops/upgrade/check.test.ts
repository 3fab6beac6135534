// checkUpgrades over a registry and a Docker that answer from tables (the lab e2e test runs it
// against the real registry): the rules for what is offered and how failures are reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../../core/clock.ts';
import { MxError, isMxError } from '../../core/errors.ts';
import { formatImageRef } from '../../core/upgrade/image-ref.ts';
import type { ImageRef } from '../../core/upgrade/image-ref.ts';
import { RegistryError } from '../../adapters/registry.ts';
import type { RegistryClient } from '../../adapters/registry.ts';
import type { LocalImage, LocalImages } from '../../adapters/docker-images.ts';
import type { Deployment } from '../deployment.ts';
import { checkUpgrades, localDigestOf } from './check.ts';
import type { CheckDeps } from './check.ts';

const dg = (c: string) => `sha256:${c.repeat(64)}`;
const LAB = '127.0.0.2:5000/element-matrix-lab/synapse';

function deps(
  pins: Record<string, string>,
  repos: Record<string, Record<string, string> | Error>,
  local: Record<string, LocalImage> = {},
): CheckDeps {
  const repo = (ref: ImageRef) => {
    const r = repos[`${ref.registry}/${ref.repository}`];
    if (r === undefined)
      throw new RegistryError('not-found', `The image registry ${ref.registry} has no repository ${ref.repository}.`, {
        registry: ref.registry,
        status: 404,
      });
    if (r instanceof Error) throw r;
    return r;
  };
  const registry: RegistryClient = {
    listTags: (ref) => Promise.resolve().then(() => Object.keys(repo(ref))),
    manifestDigest: (ref) =>
      Promise.resolve().then(() => {
        const digest = repo(ref)[ref.tag ?? 'latest'];
        if (digest === undefined)
          throw new RegistryError('not-found', `no tag ${formatImageRef(ref)}`, { registry: ref.registry });
        return digest;
      }),
  };
  const images: LocalImages = { inspect: (ref) => Promise.resolve(local[ref]) };
  const deployment = { root: '/srv/matrix', settings: pins } as unknown as Deployment;
  return { deployment, clock: fixedClock(new Date('2026-12-02T12:00:00Z')), registry, images };
}

test('offers the newest stable tag above the pin, with its digest; pre-releases only when asked', async () => {
  const d = deps(
    { SYNAPSE_IMAGE: `${LAB}:1.160.0` },
    {
      [LAB]: {
        '1.160.0': dg('a'),
        '1.160.1': dg('b'),
        '1.161.0rc1': dg('c'),
        '1.160.2-broken': dg('d'),
        latest: dg('b'),
      },
    },
    { [`${LAB}:1.160.0`]: { id: dg('f'), repoDigests: [`${LAB}@${dg('a')}`] } },
  );
  const r = await checkUpgrades({ services: ['synapse'] }, d);
  assert.equal(r.checkedAt, '2026-12-02T12:00:00.000Z');
  assert.equal(r.updates, 1);
  const [x] = r.images;
  assert.deepEqual(x?.newest, { tag: '1.160.1', image: `${LAB}:1.160.1`, digest: dg('b'), kind: 'patch' });
  assert.deepEqual(x?.newer, ['1.160.1']);
  assert.equal(x?.status, 'update-available');
  assert.equal(x?.localDigest, dg('a'));
  assert.equal(x?.registryDigest, dg('a'));
  const pre = await checkUpgrades({ services: ['synapse'], includePrerelease: true }, d);
  assert.equal(pre.images[0]?.newest?.tag, '1.161.0rc1');
});

test('says when a pinned tag now names other content, and when nothing is newer', async () => {
  const hub = 'docker.io/library/postgres';
  const d = deps(
    { POSTGRES_IMAGE: 'postgres:18', NGINX_IMAGE: `docker.io/library/nginx:1.30@${dg('1')}` },
    {
      [hub]: { '17': dg('7'), '18': dg('9'), '18-alpine': dg('8') },
      'docker.io/library/nginx': { '1.30': dg('1'), '1.29': dg('0') },
    },
    { 'postgres:18': { id: dg('e'), repoDigests: [`postgres@${dg('3')}`] } },
  );
  const r = await checkUpgrades({ services: ['postgres', 'nginx'] }, d);
  const [pg, nginx] = r.images;
  assert.equal(pg?.status, 'tag-moved');
  assert.match(pg?.note ?? '', /333333333333 → 999999999999/);
  assert.equal(pg?.image, `${hub}:18`);
  assert.equal(nginx?.status, 'up-to-date');
  assert.equal(nginx?.pinnedDigest, dg('1'));
  assert.equal(r.updates, 1);
});

test('a registry failure fails the whole check, naming each image that could not be checked', async () => {
  const offline = new RegistryError('unreachable', 'Cannot reach the image registry docker.io (no such host).', {
    registry: 'docker.io',
    hint: 'Check the network.',
  });
  const d = deps(
    {
      SYNAPSE_IMAGE: `${LAB}:1.160.0`,
      ELEMENT_IMAGE: 'vectorim/element-web:v1.12.4',
      CERTBOT_IMAGE: 'certbot/certbot:v5.5.0',
    },
    {
      [LAB]: { '1.160.0': dg('a') },
      'docker.io/vectorim/element-web': offline,
      'docker.io/certbot/certbot': offline,
    },
  );
  const one = await checkUpgrades({ services: ['element'] }, d).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isMxError(one, 'E_REGISTRY'));
  assert.match(
    one.message,
    /^Could not check element for updates: Cannot reach the image registry docker\.io \(no such host\)\.$/,
  );
  assert.match(one.hint ?? '', /Check the network\. Nothing was changed\./);
  const two = await checkUpgrades({ services: ['synapse', 'element', 'certbot'] }, d).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isMxError(two, 'E_REGISTRY'));
  assert.equal(two.message, 'Could not check 2 of 3 images for updates.');
  assert.match(two.detail ?? '', /- element: Cannot reach[\s\S]*- certbot: Cannot reach/);
  const unknown = await checkUpgrades(
    { services: ['synapse'] },
    deps({ SYNAPSE_IMAGE: '127.0.0.2:5000/nope/synapse:1' }, {}),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isMxError(unknown, 'E_REGISTRY'));
  assert.match(unknown.message, /has no repository nope\/synapse/);
});

test('an unknown repository is named as such even when the manifest answers "no tag" first', async () => {
  // Seen in CI: the registry answered the manifest HEAD (404, no body) before the tag list
  // (NAME_UNKNOWN), and the error said "no tag" for a repository that does not exist.
  const d = deps({ SYNAPSE_IMAGE: `${LAB}:1.160.0` }, {});
  const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const registry: RegistryClient = {
    listTags: (ref) =>
      slow(30).then(() => {
        throw new RegistryError(
          'not-found',
          `The image registry ${ref.registry} has no repository ${ref.repository}.`,
          {
            registry: ref.registry,
          },
        );
      }),
    manifestDigest: (ref) =>
      Promise.reject(new RegistryError('not-found', `no tag ${formatImageRef(ref)}`, { registry: ref.registry })),
  };
  const e = await checkUpgrades({ services: ['synapse'] }, { ...d, registry }).then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(isMxError(e, 'E_REGISTRY'));
  assert.match(e.message, /has no repository element-matrix-lab\/synapse/);
});

test('a bug is not dressed up as a registry failure', async () => {
  const d = deps({ SYNAPSE_IMAGE: `${LAB}:1.160.0` }, { [LAB]: new TypeError('boom') });
  const e = await checkUpgrades({ services: ['synapse'] }, d).then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(e instanceof TypeError && !(e instanceof MxError));
});

test('picks the local digest of the pin’s own repository', () => {
  const ref: ImageRef = {
    registry: 'docker.io',
    repository: 'matrixdotorg/synapse',
    tag: 'v1.160.0',
    digest: undefined,
  };
  const local = {
    id: dg('f'),
    repoDigests: [`ghcr.io/element-hq/synapse@${dg('1')}`, `matrixdotorg/synapse@${dg('2')}`],
  };
  assert.equal(localDigestOf(ref, local), dg('2'));
  assert.equal(localDigestOf(ref, { id: dg('f'), repoDigests: [] }), undefined);
  assert.equal(localDigestOf(ref, undefined), undefined);
});
