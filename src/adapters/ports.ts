// Who holds a TCP port? Used before `up` so a port conflict is named instead of a container
// failing to start with an obscure bind error.
import { createServer } from 'node:net';
import { run } from './exec.ts';

export async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The process listening on a port, as `ss` reports it ("nginx (pid 123)"), if it can tell. */
export async function portHolder(port: number): Promise<string | undefined> {
  const r = await run('ss', ['-Htlnp', `sport = :${port}`], { purpose: 'finding who holds a port', reject: false, timeoutMs: 5_000 }).catch(() => undefined);
  const match = r?.stdout.match(/users:\(\("([^"]+)",pid=(\d+)/);
  return match ? `${match[1]} (pid ${match[2]})` : undefined;
}
