// A small read-only HTTP server (the monitor's /metrics and status page): GET and HEAD only, one
// handler, an address that is the admin's choice (loopback by default). A port already taken is
// an E_PORT_IN_USE with the setting to change, not a stack trace.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MxError } from '../core/errors.ts';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type HttpHandler = (path: string) => Promise<HttpAnswer>;

export interface RunningServer {
  port: number;
  close: () => Promise<void>;
}

export async function serveHttp(address: string, port: number, handle: HttpHandler): Promise<RunningServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://monitor').pathname;
    handle(path).then(
      (a) => {
        res.writeHead(a.status, { 'content-type': a.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : a.body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(error as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL'
          ? new MxError('E_PORT_IN_USE', `The monitor cannot listen on ${address}:${port}: ${error.code}.`, {
              hint: 'Another monitor runs, or something else holds the port: set MONITOR_ADDRESS / MONITOR_PORT in .env.',
            })
          : error,
      ),
    );
    server.listen(port, address, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
