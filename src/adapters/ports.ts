// Who holds a TCP port? Used before `up` so a port conflict is named instead of a container
// failing to start with an obscure bind error.
import { createServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { run } from './exec.ts';

export async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The process listening on a port, as `ss` reports it ("nginx (pid 123)"), if it can tell. With
 * `host`, the listener bound to that address (or to every address) is preferred: several
 * loopback addresses can each have their own listener on the same port.
 */
export async function portHolder(port: number, host?: string): Promise<string | undefined> {
  const r = await run('ss', ['-Htlnp', `sport = :${port}`], {
    purpose: 'finding who holds a port',
    reject: false,
    timeoutMs: 5_000,
  }).catch(() => undefined);
  const lines = (r?.stdout ?? '').split('\n').filter((l) => l.includes('users:(('));
  const local = (line: string): string =>
    (line.trim().split(/\s+/)[3] ?? '')
      .replace(/:\d+$/, '')
      .replace(/^\[|\]$/g, '')
      .replace(/%.*$/, '');
  const line =
    (host === undefined ? undefined : lines.find((l) => local(l) === host)) ??
    lines.find((l) => ['0.0.0.0', '*', '::'].includes(local(l))) ??
    lines[0];
  const match = line?.match(/users:\(\("([^"]+)",pid=(\d+)/);
  if (!match) return undefined;
  // NOTE: ss names the thread (node says "MainThread"); the command line names the program.
  const argv0 = await readFile(`/proc/${match[2]}/cmdline`, 'utf8').then(
    (c) => c.split('\0')[0] ?? '',
    () => '',
  );
  return `${argv0 === '' ? match[1] : basename(argv0)} (pid ${match[2]})`;
}
