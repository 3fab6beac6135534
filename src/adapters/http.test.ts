// httpFetch against real servers on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpFetch } from './http.ts';

test('a kept-alive connection the server dropped meanwhile is retried once on a new one', async () => {
  const served = new Map<Socket, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    // The second request on a connection: dropped unanswered, as a server that closed it would.
    if (n > 1) req.socket.destroy();
    else res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    assert.equal((await httpFetch(url)).text(), 'ok');
    const again = await httpFetch(url);
    assert.equal(again.text(), 'ok');
    assert.equal(requests, 3, 'the dropped request, then the retry on a new connection');
    assert.equal(served.size, 2);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a failure on a new connection is not retried', async () => {
  const server = createServer((req) => req.socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let requests = 0;
  server.on('request', () => requests++);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    await assert.rejects(httpFetch(url), /socket hang up|ECONNRESET/);
    assert.equal(requests, 1);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
