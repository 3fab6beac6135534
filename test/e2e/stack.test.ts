// The foundation, end to end against the real lab: init → up → status → HTTPS through nginx with
// a pebble-issued certificate → .well-known → admin API refused publicly, reachable by mxctl →
// the element slot (Hydrogen in the lab, not Element) → token-only registration → logs → data surviving restart and down/up →
// bad input (ports, services, docker) with clear errors and nothing changed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { httpFetch } from '../../src/adapters/http.ts';
import { probeCertificate } from '../../src/adapters/tls-probe.ts';
import { createCompose } from '../../src/adapters/compose.ts';
import type { StatusReport } from '../../src/ops/stack.ts';

const exec = promisify(execFile);

describe('stack lifecycle in the lab', () => {
  let lab: Lab;
  let matrix: string;
  let user: MatrixUser;
  let roomId: string;

  before(async () => {
    lab = await startLab();
    matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
  });
  after(async () => {
    await lab?.destroy();
  });

  async function statusJson(): Promise<StatusReport> {
    const r = await lab.mxctl(['status', '--json']);
    return JSON.parse(r.stdout) as StatusReport;
  }

  it('status: every service healthy, Synapse version, HTTPS through nginx', async () => {
    const r = await lab.mxctl(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as StatusReport;
    for (const svc of s.services) assert.ok(svc.ok, `${svc.service}: ${svc.state} ${svc.health}`);
    assert.deepEqual(
      s.services.slice(0, 5).map((x) => x.service),
      ['postgres', 'synapse', 'element', 'nginx', 'certbot'],
    );
    assert.equal(s.synapseVersion, '1.160.0');
    assert.equal(s.https.ok, true, s.https.detail);
    assert.equal(s.certificate.state, 'issued');
    assert.equal(s.healthy, true);
    const text = await lab.mxctl(['status']);
    assert.match(text.stdout, /Overall: healthy/);
  });

  it('the certificate nginx serves was issued by pebble and covers all three names', async () => {
    for (const name of [lab.settings.MX_SERVER_NAME, lab.settings.MX_MATRIX_HOST, lab.settings.MX_ELEMENT_HOST]) {
      const p = await probeCertificate(name, { address: lab.address, ca: lab.publicHttp.ca });
      assert.equal(p.trusted, true, `${name}: ${p.error}`);
      assert.match(p.issuer ?? '', /Pebble/);
    }
    const versions = await httpFetch(`${matrix}/_matrix/client/versions`, {}, lab.publicHttp);
    assert.equal(versions.status, 200);
    assert.ok(Array.isArray((versions.json() as { versions: unknown }).versions));
    // plain HTTP redirects to HTTPS
    const plain = await httpFetch(`http://${lab.settings.MX_MATRIX_HOST}/_matrix/client/versions`, {}, lab.publicHttp);
    assert.equal(plain.status, 301);
    assert.equal(plain.headers['location'], `${matrix}/_matrix/client/versions`);
  });

  it('.well-known delegates to the matrix host', async () => {
    const base = `https://${lab.settings.MX_SERVER_NAME}`;
    const server = await httpFetch(`${base}/.well-known/matrix/server`, {}, lab.publicHttp);
    assert.deepEqual(server.json(), { 'm.server': `${lab.settings.MX_MATRIX_HOST}:443` });
    const client = await httpFetch(`${base}/.well-known/matrix/client`, {}, lab.publicHttp);
    assert.deepEqual(client.json(), { 'm.homeserver': { base_url: matrix } });
    assert.equal(client.headers['access-control-allow-origin'], '*');
  });

  it('the admin API is refused through nginx but reachable by mxctl', async () => {
    const pub = await httpFetch(`${matrix}/_synapse/admin/v1/server_version`, {}, lab.publicHttp);
    assert.equal(pub.status, 403);
    const withToken = await httpFetch(
      `${matrix}/_synapse/admin/v2/users/@admin:${lab.settings.MX_SERVER_NAME}`,
      { headers: { Authorization: 'Bearer x' } },
      lab.publicHttp,
    );
    assert.equal(withToken.status, 403);
    assert.equal(await lab.admin.isAdmin(`@admin:${lab.settings.MX_SERVER_NAME}`), true);
    assert.equal(await lab.admin.serverVersion(), '1.160.0');
  });

  it("the chat host serves the lab's web client (Hydrogen, not Element) with our config", async () => {
    const page = await httpFetch(`https://${lab.settings.MX_ELEMENT_HOST}/`, {}, lab.publicHttp);
    assert.equal(page.status, 200);
    assert.match(page.text(), /Hydrogen — element-matrix lab test client \(not Element\)/);
    assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
    const cfg = await httpFetch(`https://${lab.settings.MX_ELEMENT_HOST}/config.json`, {}, lab.publicHttp);
    const json = cfg.json() as { default_server_config: { 'm.homeserver': { base_url: string } } };
    assert.equal(json.default_server_config['m.homeserver'].base_url, matrix);
  });

  it('registration needs a token: without one it fails, with one from the admin API it succeeds once', async () => {
    const without = await MatrixUser.register(matrix, lab.publicHttp, 'mallory', 'correct horse battery');
    assert.notEqual(without.status, 200);
    assert.equal(without.body.access_token, undefined);
    assert.ok(
      without.body.flows?.every((f) => f.stages.includes('m.login.registration_token')),
      JSON.stringify(without.body.flows),
    );

    const token = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {
      uses_allowed: 1,
    });
    const alice = await MatrixUser.register(matrix, lab.publicHttp, 'alice', 'alice password 1', token.token);
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    assert.equal(alice.body.user_id, `@alice:${lab.settings.MX_SERVER_NAME}`);
    const again = await MatrixUser.register(matrix, lab.publicHttp, 'bob', 'bob password 1', token.token);
    assert.notEqual(again.status, 200, 'a single-use token admits one registration');
    user = await MatrixUser.login(matrix, lab.publicHttp, 'alice', 'alice password 1');
  });

  it('admin init is idempotent and keeps its token in a 0600 file inside the deployment', async () => {
    const r = await lab.mxctl(['admin', 'init', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { created: boolean; stateFile: string };
    assert.equal(report.created, false);
    assert.equal(report.stateFile, join(lab.dir, 'state', 'admin.json'));
    assert.equal((await stat(report.stateFile)).mode & 0o777, 0o600);
  });

  it('logs synapse shows Synapse output', async () => {
    const r = await lab.mxctl(['logs', 'synapse', '--tail', '200']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /synapse\./);
    assert.match(r.stdout, /(SynapseSite starting|Synapse now listening|Reactor)/);
  });

  it('a room and its messages survive `restart synapse`', async () => {
    roomId = await user.createRoom('persistence');
    await user.send(roomId, 'before restart');
    const r = await lab.mxctl(['restart', 'synapse']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await user.messages(roomId), ['before restart']);
  });

  it('a port already in use stops `up` before anything starts, naming the port and holder', async () => {
    assert.equal((await lab.mxctl(['down'])).code, 0);
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(443, lab.address, resolve));
    try {
      const r = await lab.mxctl(['up']);
      assert.equal(r.code, 4, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`${lab.address.replaceAll('.', '\\.')}:443 \\(needed by nginx\\) is held by node`),
      );
      const ps = await exec('docker', ['compose', 'ps', '-q'], { cwd: join(lab.dir, 'compose') });
      assert.equal(ps.stdout.trim(), '', 'nothing was started');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('after `down` and `up` the room and messages are still there', async () => {
    const r = await lab.mxctl(['up']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await user.messages(roomId), ['before restart']);
    await user.send(roomId, 'after down/up');
    assert.deepEqual(await user.messages(roomId), ['after down/up', 'before restart']);
    assert.equal((await statusJson()).healthy, true);
  });

  it('docker compose accepts the compose files and nginx -t accepts the nginx config', async () => {
    const cwd = join(lab.dir, 'compose');
    await exec('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], { cwd });
    await exec('docker', ['compose', 'config', '-q'], { cwd });
    const t = await exec('docker', ['compose', 'exec', '-T', 'nginx', 'nginx', '-t'], { cwd });
    assert.match(t.stderr, /syntax is ok/);
    assert.match(t.stderr, /test is successful/);
  });

  it("the stack state read from Docker by the project's label is what `docker compose ps` says, a stopped service included", async () => {
    const dir = join(lab.dir, 'compose');
    const byCompose = createCompose(dir);
    const byLabel = createCompose(dir, lab.settings.COMPOSE_PROJECT_NAME);
    assert.deepEqual(await byLabel.ps(), await byCompose.ps());
    await exec('docker', ['compose', 'stop', 'certbot'], { cwd: dir });
    try {
      const stopped = await byLabel.ps();
      assert.equal(stopped.find((s) => s.service === 'certbot')?.state, 'exited');
      assert.deepEqual(stopped, await byCompose.ps());
    } finally {
      await exec('docker', ['compose', 'start', 'certbot'], { cwd: dir });
    }
  });

  it('an unknown service name is refused with the list of services', async () => {
    for (const args of [
      ['restart', 'synpase'],
      ['logs', 'synpase'],
    ]) {
      const r = await lab.mxctl(args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Unknown service "synpase"/);
      assert.match(r.stderr, /postgres, synapse, element, nginx, certbot/);
    }
  });

  it('docker missing or its daemon down: a clear error with the fix', async () => {
    const missing = await lab.mxctl(['status'], { PATH: '/nonexistent' });
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /Docker is not installed/);
    assert.match(missing.stderr, /fix: Install Docker Engine/);
    const down = await lab.mxctl(['status'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    assert.equal(down.code, 4);
    assert.match(down.stderr, /Docker daemon is not running/);
    assert.match(down.stderr, /fix: Start it/);
  });
});
