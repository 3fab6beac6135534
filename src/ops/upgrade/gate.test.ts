// The web client's gate waits for a recreated container to serve (a real HTTPS server on
// loopback; only `compose ps` is a stand-in, for the container's state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from '../../adapters/openssl.ts';
import { systemClock } from '../../adapters/clock.ts';
import { gateService } from './gate.ts';
import type { GateDeps } from './gate.ts';

const HOST = 'chat.gate.test';

async function withServer(
  answer: (n: number, path: string) => [number, string],
  body: (port: number, ca: string) => Promise<void>,
) {
  const { cert, key } = await selfSignedCertificate([HOST]);
  let n = 0;
  const server = createServer({ cert, key }, (req, res) => {
    const [status, text] = answer(n++, req.url ?? '/');
    res.writeHead(status).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await body((server.address() as AddressInfo).port, cert);
  } finally {
    server.close();
  }
}

function deps(port: number, ca: string, state: string): GateDeps {
  return {
    deployment: { settings: { MX_ELEMENT_HOST: `${HOST}:${port}` } },
    publicHttp: { ca, resolve: '127.0.0.1' },
    compose: { ps: () => Promise.resolve([{ service: 'element', state }]) },
    clock: systemClock,
  } as unknown as GateDeps;
}

const page = (path: string): [number, string] => (path === '/config.json' ? [200, '{}'] : [200, '<html>']);

test('element: answers 502 while the recreated container starts, then passes once it serves', async () => {
  await withServer(
    (n, path) => (n < 2 ? [502, 'Bad Gateway'] : page(path)),
    async (port, ca) => {
      const g = await gateService('element', { tag: '1.0.1', timeoutS: 30 }, deps(port, ca, 'running'));
      assert.equal(g.ok, true, JSON.stringify(g.checks));
      assert.deepEqual(
        g.checks.map((c) => c.name),
        ['the web client page over HTTPS', 'config.json over HTTPS'],
      );
    },
  );
});

test('element: a container that exited fails at once, naming the HTTP status', async () => {
  await withServer(
    () => [502, 'Bad Gateway'],
    async (port, ca) => {
      const started = Date.now();
      const g = await gateService('element', { tag: '1.0.1', timeoutS: 30 }, deps(port, ca, 'exited'));
      assert.equal(g.ok, false);
      assert.match(g.checks[0]?.detail ?? '', /HTTP 502/);
      assert.ok(Date.now() - started < 10_000, 'no waiting on a container that is not running');
    },
  );
});

test('element: still failing at the deadline fails, with only the last attempt reported', async () => {
  await withServer(
    (_n, path) => (path === '/config.json' ? [200, 'not json'] : [200, '<html>']),
    async (port, ca) => {
      const g = await gateService('element', { tag: '1.0.1', timeoutS: 1 }, deps(port, ca, 'running'));
      assert.equal(g.ok, false);
      assert.deepEqual(
        g.checks.map((c) => [c.name, c.ok]),
        [
          ['the web client page over HTTPS', true],
          ['config.json over HTTPS', false],
        ],
      );
      assert.match(g.checks[1]?.detail ?? '', /not JSON/);
    },
  );
});
