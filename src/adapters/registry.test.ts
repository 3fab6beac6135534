// The registry client against a small HTTP server on loopback that behaves like Docker Hub
// (Bearer challenge, anonymous tokens, paginated tags) or misbehaves on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { createRegistryClient, nextPage, parseBearerChallenge, RegistryError } from './registry.ts';
import type { RegistryClient, RegistryFailure } from './registry.ts';
import type { ImageRef } from '../core/upgrade/image-ref.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

async function serve(handler: Handler): Promise<{ base: string; close: () => Promise<void>; server: Server }> {
  let base = '';
  const server = createServer((req, res) => handler(req, res, base));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const ref = (repository: string, tag?: string): ImageRef => ({
  registry: 'registry.test',
  repository,
  tag,
  digest: undefined,
});
const clientFor = (base: string, timeoutMs = 2000): RegistryClient =>
  createRegistryClient({ timeoutMs, baseUrl: () => base });
const DIGEST = `sha256:${'c'.repeat(64)}`;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

async function rejectsWith(p: Promise<unknown>, reason: RegistryFailure, message: RegExp): Promise<RegistryError> {
  const error = await p.then(
    () => assert.fail('expected a RegistryError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RegistryError, String(error));
  assert.equal(error.code, 'E_REGISTRY');
  assert.equal(error.reason, reason, error.message);
  assert.match(error.message, message);
  return error;
}

test('follows a Bearer challenge to an anonymous token, then reads every page of tags and a digest', async () => {
  let tokenRequests = 0;
  const s = await serve((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/token') {
      tokenRequests++;
      assert.equal(url.searchParams.get('service'), 'registry.test');
      assert.equal(url.searchParams.get('scope'), 'repository:library/postgres:pull');
      return send(res, 200, JSON.stringify({ token: 'secret-token-123', expires_in: 300 }));
    }
    if (req.headers.authorization !== 'Bearer secret-token-123') {
      return send(res, 401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
        'www-authenticate': `Bearer realm="${base}/token",service="registry.test",scope="repository:library/postgres:pull"`,
      });
    }
    if (url.pathname === '/v2/library/postgres/tags/list' && url.searchParams.get('last') === null) {
      return send(res, 200, '{"name":"library/postgres","tags":["17","18"]}', {
        link: '</v2/library/postgres/tags/list?last=18&n=2>; rel="next"',
      });
    }
    if (url.pathname === '/v2/library/postgres/tags/list')
      return send(res, 200, '{"name":"library/postgres","tags":["18.1","latest"]}');
    if (url.pathname === '/v2/library/postgres/manifests/18' && req.method === 'HEAD') {
      assert.match(
        req.headers.accept ?? '',
        /oci\.image\.index\.v1\+json.*manifest\.list\.v2\+json.*manifest\.v2\+json/,
      );
      return send(res, 200, '', { 'docker-content-digest': DIGEST });
    }
    send(res, 404, '{"errors":[{"code":"NAME_UNKNOWN"}]}');
  });
  try {
    const c = clientFor(s.base);
    assert.deepEqual(await c.listTags(ref('library/postgres')), ['17', '18', '18.1', 'latest']);
    assert.equal(await c.manifestDigest(ref('library/postgres', '18')), DIGEST);
    assert.equal(tokenRequests, 1, 'one token serves every request on the repository');
  } finally {
    await s.close();
  }
});

test('computes the digest from the manifest bytes when HEAD does not say it', async () => {
  const manifest = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}';
  const s = await serve((req, res) => (req.method === 'HEAD' ? send(res, 200, '') : send(res, 200, manifest)));
  try {
    assert.equal(
      await clientFor(s.base).manifestDigest(ref('a/b', '1')),
      `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    );
  } finally {
    await s.close();
  }
});

test('says the registry is unreachable when nothing listens, or when it never answers', async () => {
  const gone = await serve(() => undefined);
  const base = gone.base;
  await gone.close();
  await rejectsWith(
    clientFor(base).listTags(ref('a/b')),
    'unreachable',
    /Cannot reach the image registry registry\.test \(connection refused\)/,
  );
  const silent = await serve(() => undefined);
  try {
    await rejectsWith(clientFor(silent.base, 300).listTags(ref('a/b')), 'unreachable', /no answer within/);
  } finally {
    await silent.close();
  }
});

test('tells an unknown repository from an unknown tag', async () => {
  const s = await serve((req, res) => {
    if (req.url?.includes('/manifests/'))
      return send(res, 404, req.method === 'HEAD' ? '' : '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    send(res, 404, '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
  });
  try {
    const c = clientFor(s.base);
    const e = await rejectsWith(c.listTags(ref('lab/nope')), 'not-found', /has no repository lab\/nope/);
    assert.equal(e.status, 404);
    assert.match(e.hint ?? '', /_IMAGE/);
    await rejectsWith(c.manifestDigest(ref('lab/synapse', '9.9.9')), 'not-found', /has no tag lab\/synapse:9\.9\.9/);
  } finally {
    await s.close();
  }
});

test('refuses garbage: an HTML page, JSON without tags, a bad digest header', async () => {
  const s = await serve((req, res) => {
    if (req.url?.startsWith('/v2/html/'))
      return send(res, 200, '<html><body>Welcome to nginx!</body></html>', { 'content-type': 'text/html' });
    if (req.url?.startsWith('/v2/shape/')) return send(res, 200, '{"name":"shape","tags":"latest"}');
    send(res, 200, '', { 'docker-content-digest': 'md5:abc' });
  });
  try {
    const c = clientFor(s.base);
    const e = await rejectsWith(c.listTags(ref('html/x')), 'bad-answer', /not JSON/);
    assert.match(e.detail ?? '', /Welcome to nginx/);
    await rejectsWith(c.listTags(ref('shape/x')), 'bad-answer', /without a "tags" array/);
    await rejectsWith(c.manifestDigest(ref('digest/x', '1')), 'bad-answer', /not a sha256 digest/);
  } finally {
    await s.close();
  }
});

test('names refusals without leaking a token: Basic auth, a refused token, 401 after the token, 429, 500', async () => {
  const s = await serve((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/token')
      return url.searchParams.get('scope')?.includes('denied') === true
        ? send(res, 401, '{}')
        : send(res, 200, '{"access_token":"tok-456"}');
    if (url.pathname.startsWith('/v2/basic/'))
      return send(res, 401, '', { 'www-authenticate': 'Basic realm="Registry"' });
    if (url.pathname.startsWith('/v2/private/') || url.pathname.startsWith('/v2/denied/')) {
      return send(res, 401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
        'www-authenticate': `Bearer realm="${base}/token",service="t"`,
      });
    }
    if (url.pathname.startsWith('/v2/busy/')) return send(res, 429, '{"errors":[{"code":"TOOMANYREQUESTS"}]}');
    send(res, 500, 'internal trouble');
  });
  try {
    const c = clientFor(s.base);
    await rejectsWith(c.listTags(ref('basic/x')), 'unauthorized', /credentials mxctl does not have/);
    const denied = await rejectsWith(
      c.listTags(ref('denied/x')),
      'unauthorized',
      /refused an anonymous token \(HTTP 401/,
    );
    const priv = await rejectsWith(
      c.listTags(ref('private/x')),
      'unauthorized',
      /refused access to private\/x \(it does not exist, or it is private\)/,
    );
    for (const e of [denied, priv]) assert.doesNotMatch(`${e.message} ${e.detail ?? ''}`, /tok-456/);
    await rejectsWith(c.listTags(ref('busy/x')), 'rate-limited', /HTTP 429/);
    const e = await rejectsWith(c.listTags(ref('broken/x')), 'http', /answered HTTP 500/);
    assert.match(e.detail ?? '', /internal trouble/);
  } finally {
    await s.close();
  }
});

test('reads Bearer challenges and Link headers', () => {
  assert.deepEqual(
    parseBearerChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/postgres:pull"',
    ),
    {
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/postgres:pull',
    },
  );
  assert.deepEqual(parseBearerChallenge('bearer realm=https://ghcr.io/token'), {
    realm: 'https://ghcr.io/token',
    service: undefined,
    scope: undefined,
  });
  assert.equal(parseBearerChallenge('Basic realm="x"'), undefined);
  assert.equal(parseBearerChallenge(null), undefined);
  assert.equal(nextPage('</v2/a/tags/list?last=b&n=2>; rel="next"', 'https://r.test'), '/v2/a/tags/list?last=b&n=2');
  assert.equal(
    nextPage('<https://elsewhere.test/v2/a/tags/list?last=b>; rel="next"', 'https://r.test'),
    undefined,
    'never follows a page to another host',
  );
  assert.equal(nextPage(null, 'https://r.test'), undefined);
});
