// Real alert receivers for the monitor's channel tests, all on one loopback address: Debian's
// ntfy server (token auth, deny-all by default) and an SMTP server with STARTTLS and AUTH
// (lab/images/receivers), each a container with host networking; plus an HTTP receiver in the
// test process for the webhook and the dead-man's ping. Each keeps what it received to be read back.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { selfSignedCertificate } from '../src/adapters/openssl.ts';

const exec = promisify(execFile);
const IMAGE = 'element-matrix-lab/receivers:lab';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function assertLoopback(address: string): void {
  if (!address.startsWith('127.')) throw new Error(`lab receivers listen on loopback only, not ${address}`);
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Whether ADDRESS:PORT accepts a TCP connection now. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export interface NtfyReceiver {
  /** The topic URL an admin puts in ALERT_NTFY_URL. */
  topicUrl: string;
  /** A token of the one user, who may publish and read. */
  token: string;
  /** Every message published to the topic so far, as ntfy returns them. */
  messages: () => Promise<{ title?: string; message?: string; priority?: number; tags?: string[] }[]>;
  stop: () => Promise<void>;
}

export async function startNtfy(address: string, port: number): Promise<NtfyReceiver> {
  assertLoopback(address);
  const dir = await mkdtemp(join(tmpdir(), 'mxlab-ntfy-'));
  await chmod(dir, 0o777);
  const name = `mxlab-ntfy-${address.replaceAll('.', '-')}-${port}`;
  const base = `http://${address}:${port}`;
  const env = ['-e', 'NTFY_AUTH_FILE=/data/auth.db', '-e', 'NTFY_AUTH_DEFAULT_ACCESS=deny-all'];
  await exec('docker', ['rm', '-f', name]).catch(() => undefined);
  await exec('docker', [
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '-v',
    `${dir}:/data`,
    ...env,
    IMAGE,
    'serve',
    '--listen-http',
    `${address}:${port}`,
    '--cache-file',
    '/data/cache.db',
  ]);
  const stop = async () => {
    await exec('docker', ['rm', '-f', name]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until('ntfy to answer', 30_000, async () => (await fetch(`${base}/v1/health`)).ok);
    const password = randomBytes(12).toString('hex');
    const run = (...args: string[]) =>
      exec('docker', ['exec', '-e', `NTFY_PASSWORD=${password}`, ...env, name, 'ntfy', ...args]);
    await run('user', 'add', '--role=admin', 'alerts');
    const out = (await run('token', 'add', 'alerts')).stdout;
    const token = /\b(tk_[A-Za-z0-9]+)\b/.exec(out)?.[1];
    if (token === undefined) throw new Error(`ntfy token add printed no token: ${out}`);
    const topic = `mx-alerts-${randomBytes(4).toString('hex')}`;
    return {
      topicUrl: `${base}/${topic}`,
      token,
      messages: async () => {
        const r = await fetch(`${base}/${topic}/json?poll=1&since=all`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!r.ok) throw new Error(`ntfy poll: HTTP ${r.status}`);
        return (await r.text())
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map(
            (l) =>
              JSON.parse(l) as { event: string; title?: string; message?: string; priority?: number; tags?: string[] },
          )
          .filter((m) => m.event === 'message');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface SmtpReceiver {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The receiver's certificate (PEM): a private CA the test adds to MXCTL_CA_FILE. */
  certificate: string;
  /** Every message accepted so far, raw (headers and body), oldest first. */
  mails: () => Promise<string[]>;
  stop: () => Promise<void>;
}

export async function startSmtp(address: string, port: number): Promise<SmtpReceiver> {
  assertLoopback(address);
  const dir = await mkdtemp(join(tmpdir(), 'mxlab-smtp-'));
  await chmod(dir, 0o755);
  const mail = join(dir, 'mail');
  const tls = join(dir, 'tls');
  const { cert, key } = await selfSignedCertificate(['localhost', address], 30);
  await exec('mkdir', ['-p', mail, tls]);
  await writeFile(join(tls, 'cert.pem'), cert);
  await writeFile(join(tls, 'key.pem'), key, { mode: 0o644 });
  const password = randomBytes(12).toString('hex');
  const name = `mxlab-smtp-${address.replaceAll('.', '-')}-${port}`;
  await exec('docker', ['rm', '-f', name]).catch(() => undefined);
  await exec('docker', [
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '-v',
    `${mail}:/mail`,
    '-v',
    `${tls}:/tls:ro`,
    '-e',
    `SMTP_LISTEN=${address}:${port}`,
    '-e',
    'SMTP_USER=alerts',
    '-e',
    `SMTP_PASSWORD=${password}`,
    '-e',
    'OUT_DIR=/mail',
    '-e',
    'SMTP_CERT=/tls/cert.pem',
    '-e',
    'SMTP_KEY=/tls/key.pem',
    '--entrypoint',
    'smtp-receiver',
    IMAGE,
  ]);
  const stop = async () => {
    await exec('docker', ['rm', '-f', name]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until('the SMTP receiver to accept connections', 30_000, () => accepts(address, port));
    return {
      host: address,
      port,
      user: 'alerts',
      password,
      certificate: cert,
      mails: async () => {
        const names = (await readdir(mail)).filter((n) => n.endsWith('.eml')).sort();
        return Promise.all(names.map((n) => readFile(join(mail, n), 'utf8')));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface HttpReceiver {
  url: string;
  requests: { method: string; path: string; headers: IncomingHttpHeaders; body: string }[];
  /** Answers with this status from now on (a receiver that fails). */
  answer: (status: number) => void;
  stop: () => Promise<void>;
}

/** An HTTP server in this process on ADDRESS:0: keeps every request, answers 200 unless told otherwise. */
export async function startHttpReceiver(address: string): Promise<HttpReceiver> {
  assertLoopback(address);
  const requests: HttpReceiver['requests'] = [];
  let status = 200;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(status).end(status === 200 ? 'ok' : 'failing on purpose');
    });
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    requests,
    answer: (s) => (status = s),
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
