import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, stat, readdir, writeFile, mkdir, chmod, readlink, lstat } from 'node:fs/promises';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initDeployment } from './init.ts';
import { readSettings } from './deployment.ts';
import { isMxError } from '../core/errors.ts';
import { SECRET_KEYS } from '../core/settings.ts';

let base: string;
const shown: string[] = [];
const deps = { show: (t: string) => shown.push(t) };

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'mxctl-init-'));
  shown.length = 0;
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const p = join(e.parentPath, e.name);
      out[p] = await readFile(p, 'utf8');
    }
  }
  return out;
}

test('writes the whole deployment with secrets at 0600 and >= 256 bits', async () => {
  const root = join(base, 'deploy');
  const r = await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  assert.equal(r.created, true);
  for (const f of [
    '.env',
    'compose/docker-compose.yml',
    'synapse/homeserver.yaml',
    'synapse/example.org.signing.key',
    'synapse/example.org.log.config',
    'nginx/templates/matrix.conf.template',
    'element/config.json',
    'scripts/backup.sh',
    'scripts/restore.sh',
    'docs/RUNBOOK.md',
  ]) {
    await stat(join(root, f));
  }
  assert.equal((await stat(join(root, '.env'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'synapse/homeserver.yaml'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'synapse/example.org.signing.key'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'state'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(root, 'scripts/backup.sh'))).mode & 0o111, 0o111);
  assert.equal(await readlink(join(root, 'compose/.env')), '../.env');
  const s = await readSettings(root);
  const values = SECRET_KEYS.map((k) => s[k]);
  assert.equal(new Set(values).size, values.length, 'every secret is different');
  for (const v of values) assert.ok(Buffer.from(v, 'base64url').length >= 32, 'at least 256 bits');
  // the report never carries secrets
  for (const v of values) assert.ok(!JSON.stringify(r).includes(v));
  // no staging folder left behind
  assert.deepEqual(await readdir(base), ['deploy']);
});

test('the signing key is a usable ed25519 key in Synapse format', async () => {
  const root = join(base, 'd');
  await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  const line = (await readFile(join(root, 'synapse/example.org.signing.key'), 'utf8')).trim();
  const m = /^ed25519 (a_[A-Za-z0-9]{4}) ([A-Za-z0-9+/]{43})$/.exec(line);
  assert.ok(m, line.replace(/\S+$/, '…'));
  const seed = Buffer.from(m[2] ?? '', 'base64');
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: '' },
    format: 'jwk',
  });
  const sig = sign(null, Buffer.from('hello'), key);
  assert.ok(verify(null, Buffer.from('hello'), createPublicKey(key), sig));
});

test('re-running init on an unchanged deployment changes nothing', async () => {
  const root = join(base, 'd');
  await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  const before = await snapshot(root);
  const r = await initDeployment({ root, domain: 'example.org', yes: true }, deps);
  assert.deepEqual(r.changed, []);
  assert.deepEqual(await snapshot(root), before);
});

test('a changed option shows a redacted diff and refuses without --yes; nothing is written', async () => {
  const root = join(base, 'd');
  await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  const before = await snapshot(root);
  const s = await readSettings(root);
  await assert.rejects(
    initDeployment({ root, domain: 'example.org', elementHost: 'web.example.org', yes: false }, deps),
    (e: unknown) => isMxError(e, 'E_DEPLOYMENT_EXISTS') && /would change/.test(e.message),
  );
  assert.deepEqual(await snapshot(root), before);
  const diff = shown.join('\n');
  assert.match(diff, /\+.*web\.example\.org/);
  for (const k of SECRET_KEYS) assert.ok(!diff.includes(s[k]), `${k} is redacted in the diff`);
});

test('with --yes the change is applied and the secrets are kept', async () => {
  const root = join(base, 'd');
  await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  const s1 = await readSettings(root);
  const key1 = await readFile(join(root, 'synapse/example.org.signing.key'), 'utf8');
  const r = await initDeployment({ root, domain: 'example.org', elementHost: 'web.example.org', yes: true }, deps);
  assert.ok(r.changed.includes('nginx/templates/element.conf.template'));
  assert.ok(r.changed.includes('.env'));
  const s2 = await readSettings(root);
  assert.equal(s2.MX_ELEMENT_HOST, 'web.example.org');
  for (const k of SECRET_KEYS) assert.equal(s2[k], s1[k]);
  assert.equal(await readFile(join(root, 'synapse/example.org.signing.key'), 'utf8'), key1);
});

test('an existing deployment for another domain is refused', async () => {
  const root = join(base, 'd');
  await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  const before = await snapshot(root);
  await assert.rejects(
    initDeployment({ root, domain: 'other.org', yes: true }, deps),
    (e: unknown) => isMxError(e, 'E_DEPLOYMENT_EXISTS') && /cannot change/.test(e.message),
  );
  assert.deepEqual(await snapshot(root), before);
});

test('a non-empty directory that is not a deployment is refused untouched', async () => {
  const root = join(base, 'd');
  await mkdir(root);
  await writeFile(join(root, 'notes.txt'), 'mine');
  await assert.rejects(initDeployment({ root, domain: 'example.org', yes: true }, deps), (e: unknown) =>
    isMxError(e, 'E_DIR_NOT_EMPTY'),
  );
  assert.deepEqual(await readdir(root), ['notes.txt']);
});

test('an unwritable directory is refused', async () => {
  const parent = join(base, 'ro');
  await mkdir(parent);
  await chmod(parent, 0o555);
  try {
    const root = join(parent, 'd');
    if (process.getuid?.() === 0) {
      // root can write anywhere; a path under a regular file is unwritable for everyone.
      await writeFile(join(base, 'file'), 'x');
      await assert.rejects(
        initDeployment({ root: join(base, 'file', 'd'), domain: 'example.org', yes: true }, deps),
        (e: unknown) => isMxError(e, 'E_DIR_UNWRITABLE'),
      );
    } else {
      await assert.rejects(initDeployment({ root, domain: 'example.org', yes: true }, deps), (e: unknown) =>
        isMxError(e, 'E_DIR_UNWRITABLE'),
      );
    }
  } finally {
    await chmod(parent, 0o755);
  }
});

test('an invalid domain is refused before the disk is touched', async () => {
  const root = join(base, 'd');
  await assert.rejects(initDeployment({ root, domain: 'not a domain', yes: true }, deps), (e: unknown) =>
    isMxError(e, 'E_INVALID_INPUT'),
  );
  assert.equal(await lstat(root).catch(() => undefined), undefined);
});

test("re-running init keeps the runbook's record of the last restore test", async () => {
  const root = join(base, 'd');
  await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  const runbook = join(root, 'docs', 'RUNBOOK.md');
  const line = 'Last restore test: 2026-12-04 20:00 UTC — PASS, RTO 11 s, RPO 3 s, backup `matrix-backup-x`';
  await writeFile(runbook, (await readFile(runbook, 'utf8')).replace(/^Last restore test: .*$/m, line));
  const unchanged = await initDeployment({ root, domain: 'example.org', yes: false }, deps);
  assert.deepEqual(unchanged.changed, [], 'the recorded line is no change');
  const r = await initDeployment({ root, domain: 'example.org', acmeEmail: 'ops@example.org', yes: true }, deps);
  assert.ok(r.changed.includes('.env'));
  const after = await readFile(runbook, 'utf8');
  assert.ok(after.includes(line), 'the line survives a re-render');
  assert.doesNotMatch(after, /__NOT_YET_PERFORMED__/);
});
