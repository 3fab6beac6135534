// mxctl certs against the real lab and pebble, one lab for the whole file, ordered so each test
// leaves the lab as the next one needs it; the CA is stopped last.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import { addLabFiles, CA_FILE } from '../../lab/lab-stack.ts';
import { addPebbleProfile, issueLabCertificate, labCertbot } from '../../lab/lab-certs.ts';
import { pebbleDirectory } from '../../lab/lab-files.ts';
import type { Lab } from '../../lab/harness.ts';
import { probeCertificate } from '../../src/adapters/tls-probe.ts';
import { normalSerial } from '../../src/core/certs/cert-info.ts';
import { readAdminState } from '../../src/ops/admin/state.ts';
import type { CertsStatusReport } from '../../src/ops/certs/status.ts';
import type { RenewReport } from '../../src/ops/certs/renew.ts';
import type { DoctorReport } from '../../src/ops/doctor/doctor.ts';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('certificates in the lab (pebble)', () => {
  let lab: Lab;
  let names: string[];
  const compose = (...args: string[]) =>
    exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose'), timeout: 300_000 });
  const certbot = (...args: string[]) => labCertbot(lab, ...args);
  const served = async (name: string) =>
    normalSerial((await probeCertificate(name, { address: lab.address, ca: lab.publicHttp.ca })).serial ?? '');
  const status = async () => {
    const r = await lab.mxctl(['certs', 'status', '--json']);
    return { code: r.code, report: JSON.parse(r.stdout) as CertsStatusReport };
  };
  async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(1000);
    }
  }
  // The watcher polls the stamp every few seconds: a reload still due from an earlier renewal
  // would pick up whatever is on disk by then. Wait until it has acted on the current stamp.
  const watcherCaughtUp = () =>
    until('the watcher to act on the current stamp', 20_000, async () => {
      const stamp = (await readFile(join(lab.dir, 'certs', 'mxctl', 'renewed'), 'utf8')).trim();
      const logs = (await compose('logs', '--no-log-prefix', 'nginx')).stdout;
      return logs.includes(`certificate deployed (${stamp})`) ? true : undefined;
    });
  const nginxStartedAt = async () =>
    (
      await exec('docker', ['inspect', '-f', '{{.State.StartedAt}}', `${lab.settings.COMPOSE_PROJECT_NAME}-nginx-1`])
    ).stdout.trim();

  before(async () => {
    lab = await startLab();
    names = [lab.settings.MX_SERVER_NAME, lab.settings.MX_MATRIX_HOST, lab.settings.MX_ELEMENT_HOST];
  });
  after(async () => {
    await lab?.destroy();
  });

  it('status: every name serves the newest certificate from the CA, with HSTS; TLS 1.0/1.1 are refused', async () => {
    const { code, report } = await status();
    assert.equal(code, 0, JSON.stringify(report.problems));
    assert.deepEqual(
      report.names.map((n) => [n.name, n.current, n.served?.trusted]),
      names.map((n) => [n, true, true]),
    );
    assert.match(report.disk?.issuer ?? '', /Pebble/);
    assert.ok((report.disk?.leftShare ?? 0) > 0.9 && report.disk?.renewAt !== undefined);
    // The CA's renewal window (ARI), asked with certbot's own ACME library: inside the lifetime.
    const w = report.renewalWindow;
    assert.equal(w?.offered, true, JSON.stringify(w));
    const [start, end] = [Date.parse(w?.start ?? ''), Date.parse(w?.end ?? '')];
    assert.ok(start <= end, JSON.stringify(w));
    assert.ok(start >= Date.parse(report.disk?.notBefore ?? '') && end <= Date.parse(report.disk?.notAfter ?? ''));
    for (const name of names) {
      // The watcher turns HSTS on a few seconds after the first certificate is deployed.
      const hsts = await until(
        `HSTS on ${name}`,
        20_000,
        async () => (await head(name, '/')).headers['strict-transport-security'],
      );
      assert.match(String(hsts), /max-age=63072000/);
    }
    assert.match(
      String(
        (await head(lab.settings.MX_SERVER_NAME, '/.well-known/matrix/client')).headers['strict-transport-security'],
      ),
      /max-age/,
    );
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      const e = await handshake(names[1] ?? '', version);
      assert.match(
        e ?? 'accepted',
        /protocol version|unsupported protocol|wrong version/i,
        `${version} must be refused by nginx`,
      );
    }
    assert.equal(await handshake(names[1] ?? '', 'TLSv1.2'), undefined);
  });

  it('renew --dry-run: the deploy hook runs (nginx reloads), nothing is replaced', async () => {
    const stamp = join(lab.dir, 'certs', 'mxctl', 'renewed');
    const [stampBefore, certBefore, servedBefore] = [
      await readFile(stamp, 'utf8'),
      await readFile(join(lab.dir, 'certs', 'live', 'element-matrix', 'cert.pem'), 'utf8'),
      await served(names[0] ?? ''),
    ];
    const r = await lab.mxctl(['certs', 'renew', '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as RenewReport;
    assert.equal(report.action, 'dry-run');
    assert.equal(report.hookRan, true);
    assert.notEqual(await readFile(stamp, 'utf8'), stampBefore);
    await until('the watcher to reload nginx', 20_000, async () =>
      (await compose('logs', '--no-log-prefix', 'nginx')).stdout.includes('nginx reloaded') ? true : undefined,
    );
    assert.equal(await readFile(join(lab.dir, 'certs', 'live', 'element-matrix', 'cert.pem'), 'utf8'), certBefore);
    assert.equal(await served(names[0] ?? ''), servedBefore);
  });

  it('renew --force: the served serial changes; a request held open across the reload completes', async () => {
    const before = await served(names[1] ?? '');
    const state = await readAdminState(lab.dir);
    assert.ok(state);
    const host = names[1] ?? '';
    const api = (method: string, path: string, body?: unknown) => https(host, method, path, state.access_token, body);
    const initial = JSON.parse((await api('GET', '/_matrix/client/v3/sync?timeout=0')).body) as { next_batch: string };
    // A long-poll /sync: held open on the old nginx worker through the renewal's reload.
    const held = https(
      host,
      'GET',
      `/_matrix/client/v3/sync?timeout=120000&since=${initial.next_batch}`,
      state.access_token,
    );
    await sleep(500);
    const r = await lab.mxctl(['certs', 'renew', '--force', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as RenewReport;
    assert.equal(report.action, 'renewed');
    assert.notEqual(report.servedAfter, before);
    for (const n of names) assert.equal(await served(n), report.servedAfter);
    // Wake the held request: an account-data change ends a long-poll at once.
    await api('PUT', `/_matrix/client/v3/user/${encodeURIComponent(state.user_id)}/account_data/org.mxctl.certs-test`, {
      at: Date.now(),
    });
    const answer = await held;
    assert.equal(answer.status, 200);
    assert.equal(answer.serial, before, 'the held connection was opened before the renewal');
    assert.match(answer.body, /org\.mxctl\.certs-test/);
  });

  it('nginx serving a stale certificate while a newer one is on disk: status says so; renew reloads', async () => {
    await watcherCaughtUp();
    // A renewal whose deploy hook never ran: nginx is not told.
    await certbot('renew', '--force-renewal', '--no-directory-hooks', '--no-random-sleep-on-renew');
    const { code, report } = await status();
    assert.equal(code, 1);
    assert.ok(report.names.every((n) => !n.current));
    assert.match(report.problems.join('\n'), /old certificate .* newer one is on disk/);
    const r = await lab.mxctl(['certs', 'renew', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as RenewReport).action, 'reloaded');
    assert.equal((await status()).code, 0);
  });

  it('a certificate of minutes: the sidecar renews it by itself and nginx serves it without a restart', async () => {
    const override = join(lab.dir, 'compose', 'docker-compose.override.yml');
    const original = await readFile(override, 'utf8');
    const started = await nginxStartedAt();
    try {
      // A pebble profile of minutes, for this lab only.
      await addPebbleProfile(lab, 'minutes', 180);
      await writeFile(
        override,
        original.replace(
          '      REQUESTS_CA_BUNDLE: /lab/pebble/cert.pem\n',
          '      REQUESTS_CA_BUNDLE: /lab/pebble/cert.pem\n      RENEW_EVERY: "5"\n',
        ),
      );
      await issueLabCertificate(lab, 'minutes');
      const short = await until('the 3-minute certificate to be served', 30_000, async () => {
        const r = await status();
        return r.report.names.every((n) => n.current) ? r.report : undefined;
      });
      assert.ok((short.disk?.lifetimeSeconds ?? 0) <= 180);
      await compose('up', '-d', '--no-deps', 'certbot');
      const renewed = await until('the sidecar to renew', 240_000, async () =>
        (await served(names[2] ?? '')) !== short.disk?.serial ? true : undefined,
      );
      assert.ok(renewed);
      const after = await until('status to show the renewal', 20_000, async () => {
        const r = await status();
        return r.report.names.every((n) => n.current) && r.report.disk?.serial !== short.disk?.serial
          ? r.report
          : undefined;
      });
      assert.equal(after.history.lastAttempt?.outcome, 'renewed');
      assert.equal(await nginxStartedAt(), started, 'nginx was reloaded, not restarted');
    } finally {
      await writeFile(override, original);
      await compose('up', '-d', '--no-deps', 'certbot');
      await certbot('renew', '--force-renewal', '--preferred-profile', 'default', '--no-random-sleep-on-renew');
      await until('the 90-day certificate to be served', 30_000, async () =>
        (await status()).report.names.every((n) => n.current) ? true : undefined,
      );
    }
  });

  it('a challenge that fails (the name resolves where nothing answers port 80): the error names the challenge and the name', async () => {
    const before = await served(names[0] ?? '');
    await challtest('set-default-ipv4', { ip: '127.0.0.254' });
    try {
      const r = await lab.mxctl(['certs', 'renew', '--force', '--yes']);
      assert.equal(r.code, 16, r.stderr);
      assert.match(r.stderr, /could not validate the challenge \(http-01 challenge for /);
      assert.ok(names.some((n) => r.stderr.includes(n)));
      assert.match(r.stderr, /connection|refused/i);
      assert.equal(await served(names[0] ?? ''), before);
    } finally {
      await challtest('set-default-ipv4', { ip: lab.address });
    }
  });

  it('init re-run with a new Element host: status names the uncovered host; renew gets a certificate for the new set, served', async () => {
    const host = `web.${lab.settings.MX_SERVER_NAME}`;
    const init = await lab.mxctl([
      'init',
      '--domain',
      lab.settings.MX_SERVER_NAME,
      '--element-host',
      host,
      '--acme-server',
      pebbleDirectory(lab.address),
      '--resolve',
      lab.address,
      '--ca-file',
      CA_FILE,
      '--yes',
    ]);
    assert.equal(init.code, 0, init.stderr);
    // NOTE: the lab's own files (override, Synapse on the lab's address), as after the first init.
    await addLabFiles(lab.dir, lab.address);
    const before = await status();
    assert.equal(before.code, 1);
    assert.ok(
      before.report.problems.some((p) => p.includes(`does not cover ${host}`)),
      JSON.stringify(before.report.problems),
    );
    const r = await lab.mxctl(['certs', 'renew', '--yes', '--json']);
    assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
    assert.equal((JSON.parse(r.stdout) as RenewReport).action, 'reissued');
    const after = await until('the new set of names to be served', 30_000, async () => {
      const s = await status();
      return s.code === 0 ? s : undefined;
    });
    assert.deepEqual(after.report.disk?.names.toSorted(), [...names.slice(0, 2), host].toSorted());
    assert.ok(after.report.names.some((n) => n.name === host && n.current && n.served?.trusted));
    names = [lab.settings.MX_SERVER_NAME, lab.settings.MX_MATRIX_HOST, host];
  });

  it('the CA stopped: renew fails with the CA error, the old certificate is still served, status and doctor report it', async () => {
    const before = await served(names[0] ?? '');
    await compose('stop', 'pebble');
    const r = await lab.mxctl(['certs', 'renew', '--force', '--yes']);
    assert.equal(r.code, 16, r.stderr);
    assert.match(r.stderr, /the ACME server could not be reached: cannot reach the ACME server at .*14000/);
    assert.match(r.stderr, /nothing was changed/);
    assert.equal(await served(names[0] ?? ''), before);
    const { report } = await status();
    assert.equal(report.history.lastAttempt?.outcome, 'failed');
    assert.equal(report.history.lastAttempt?.failure?.kind, 'ca-unreachable');
    // Asking the CA for its renewal window fails too, said in words, not a crash.
    assert.equal(report.renewalWindow?.offered, false);
    assert.match(report.renewalWindow?.error ?? '', /\S/);
    const doctor = JSON.parse((await lab.mxctl(['doctor', '--json'])).stdout) as DoctorReport;
    const finding = doctor.findings.find((f) => f.id === 'tls.renewal');
    assert.equal(finding?.status, 'warn');
    assert.match(finding?.summary ?? '', /failed: ca-unreachable/);
  });

  async function challtest(path: string, body: unknown): Promise<void> {
    const res = await fetch(`http://${lab.address}:8055/${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 200, `challtestsrv ${path}`);
  }

  function head(name: string, path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: lab.address,
          servername: name,
          port: 443,
          path,
          method: 'HEAD',
          headers: { host: name },
          ca: lab.publicHttp.ca,
          agent: false,
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          resolve(res);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  function handshake(name: string, version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2'): Promise<string | undefined> {
    return new Promise((resolve) => {
      // NOTE: SECLEVEL=0 so that it is nginx, not this client, that refuses the old protocols.
      const s = connect({
        host: lab.address,
        port: 443,
        servername: name,
        minVersion: version,
        maxVersion: version,
        ciphers: 'DEFAULT@SECLEVEL=0',
        rejectUnauthorized: false,
      });
      s.once('secureConnect', () => (s.destroy(), resolve(undefined)));
      s.once('error', (e: Error) => resolve(e.message));
    });
  }

  function https(
    name: string,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: string; serial: string }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: lab.address,
          servername: name,
          port: 443,
          path,
          method,
          ca: lab.publicHttp.ca,
          agent: false,
          timeout: 180_000,
          headers: {
            host: name,
            authorization: `Bearer ${token}`,
            ...(data === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          let text = '';
          const serial = normalSerial((res.socket as TLSSocket).getPeerCertificate().serialNumber ?? '');
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, serial }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }
});
