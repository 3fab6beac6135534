// synadm (Debian's package), an independent admin CLI, pointed at a lab's Synapse to cross-check
// mxctl. Its config (with the admin token) is a 0600 file in a temp dir: the token is never in argv.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface Synadm {
  json<T = unknown>(args: readonly string[]): Promise<T>;
  configFile: string;
  remove(): Promise<void>;
}

export async function openSynadm(o: {
  baseUrl: string;
  userId: string;
  token: string;
  serverName: string;
}): Promise<Synadm> {
  const dir = await mkdtemp(join(tmpdir(), 'synadm-'));
  const configFile = join(dir, 'synadm.yaml');
  // NOTE: synadm treats every falsy entry as missing, so ssl_verify must be true (the URL is plain http anyway).
  const config = [
    `user: ${JSON.stringify(o.userId)}`,
    `token: ${JSON.stringify(o.token)}`,
    `base_url: ${JSON.stringify(o.baseUrl)}`,
    'admin_path: /_synapse/admin',
    'matrix_path: /_matrix',
    'timeout: 60',
    'format: json',
    'ssl_verify: true',
    'server_discovery: well-known',
    `homeserver: ${JSON.stringify(o.serverName)}`,
  ].join('\n');
  await writeFile(configFile, `${config}\n`, { mode: 0o600 });
  return {
    configFile,
    async json<T>(args: readonly string[]): Promise<T> {
      const r = await exec('synadm', ['-c', configFile, '--batch', '-o', 'json', ...args], {
        maxBuffer: 512 * 1024 * 1024,
        timeout: 300_000,
      });
      return JSON.parse(r.stdout) as T;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
