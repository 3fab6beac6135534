import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { isPortFree, portHolder } from './ports.ts';

test('isPortFree and portHolder: the listener on the asked address is named, not another one on the same port', async () => {
  const mine = createServer();
  await new Promise<void>((r) => mine.listen({ host: '127.0.0.3', port: 0, exclusive: true }, r));
  const port = (mine.address() as { port: number }).port;
  // Another process listens on the same port of another loopback address.
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen({ host: '127.0.0.4', port: ${port} }, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await once(child.stdout, 'data');
    assert.equal(await isPortFree('127.0.0.3', port), false);
    assert.equal(await isPortFree('127.0.0.4', port), false);
    assert.equal(await isPortFree('127.0.0.5', port), true);
    assert.match((await portHolder(port, '127.0.0.4')) ?? '', new RegExp(`\\(pid ${child.pid}\\)$`));
    assert.match((await portHolder(port, '127.0.0.3')) ?? '', new RegExp(`\\(pid ${process.pid}\\)$`));
  } finally {
    child.kill();
    mine.close();
  }
});
