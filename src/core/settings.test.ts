import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, formatSettings, SECRET_KEYS } from './settings.ts';
import { parseEnvFile } from './env-file.ts';
import { settingsFromChoices } from './init-options.ts';
import { isMxError } from './errors.ts';

const secrets = Object.fromEntries(SECRET_KEYS.map((k, i) => [k, `${String(i).repeat(43)}`])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;

test('settings written by init parse back unchanged', () => {
  const s = settingsFromChoices({ domain: 'example.org' }, secrets);
  const parsed = parseSettings(parseEnvFile(formatSettings(s)).values);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.settings, s);
  assert.equal(s.MX_MATRIX_HOST, 'matrix.example.org');
  assert.equal(s.MX_ELEMENT_HOST, 'chat.example.org');
});

test('a broken .env reports every problem at once', () => {
  const s = settingsFromChoices({ domain: 'example.org' }, secrets);
  const values = parseEnvFile(formatSettings(s)).values;
  values.set('MX_MATRIX_HOST', 'Bad Host');
  values.set('SYNAPSE_LOCAL_PORT', '99999');
  values.set('FORM_SECRET', 'short');
  values.delete('POSTGRES_PASSWORD');
  values.set('TYPO_SETTING', 'x');
  const r = parseSettings(values);
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = r.errors.join('\n');
  assert.match(text, /MX_MATRIX_HOST: not a valid host name/);
  assert.match(text, /SYNAPSE_LOCAL_PORT/);
  assert.match(text, /FORM_SECRET: must be at least 256 bits/);
  assert.match(text, /POSTGRES_PASSWORD: missing/);
  assert.match(text, /unknown setting\(s\): TYPO_SETTING/);
  assert.equal(r.errors.length, 5);
});

test('init choices are validated before anything else', () => {
  assert.throws(
    () => settingsFromChoices({ domain: 'example.org', matrixHost: 'example.org' }, secrets),
    (e: unknown) => isMxError(e, 'E_INVALID_INPUT'),
  );
  assert.throws(
    () => settingsFromChoices({ domain: 'exa mple.org' }, secrets),
    (e: unknown) => isMxError(e, 'E_INVALID_INPUT'),
  );
  assert.throws(() => settingsFromChoices({ domain: 'example.org', elementHost: 'chat' }, secrets), /element host/);
});

test('offsite: one target only, and an rclone remote is a configured name:path (no on-the-fly backend in argv)', () => {
  const s = settingsFromChoices({ domain: 'example.org' }, secrets);
  const values = parseEnvFile(formatSettings(s)).values;
  values.set('RCLONE_REMOTE', 'offsite:matrix/backups');
  assert.ok(parseSettings(values).ok);
  values.set('S3_BUCKET', 'matrix-backups');
  const both = parseSettings(values);
  assert.ok(!both.ok && both.errors.some((e) => /RCLONE_REMOTE: set either S3_BUCKET or RCLONE_REMOTE/.test(e)));
  values.set('S3_BUCKET', '');
  for (const bad of [':s3,access_key_id=AK,secret_access_key=SK:bucket', '--config=/x:y', 'no-colon']) {
    values.set('RCLONE_REMOTE', bad);
    const r = parseSettings(values);
    assert.ok(!r.ok && r.errors.some((e) => e.startsWith('RCLONE_REMOTE:')), bad);
  }
});

test('the monitor service: off by default; switched on it needs the folder as an absolute path', () => {
  const s = settingsFromChoices({ domain: 'example.org' }, secrets);
  assert.equal(s.COMPOSE_PROFILES, '');
  const values = parseEnvFile(formatSettings(s)).values;
  values.set('COMPOSE_PROFILES', 'monitor');
  const missing = parseSettings(values);
  assert.ok(!missing.ok);
  assert.deepEqual(missing.errors, [
    "MONITOR_DEPLOYMENT_DIR: the monitor service needs the deployment folder's absolute path",
  ]);
  values.set('MONITOR_DEPLOYMENT_DIR', 'srv/matrix');
  values.set('COMPOSE_PROFILES', 'monitor;workers');
  const bad = parseSettings(values);
  assert.ok(!bad.ok);
  assert.equal(bad.errors.length, 2, bad.errors.join('; '));
  values.set('MONITOR_DEPLOYMENT_DIR', '/srv/matrix');
  values.set('COMPOSE_PROFILES', 'monitor');
  assert.ok(parseSettings(values).ok);
  // With worker mode's profiles beside it (a list, as compose reads it).
  values.set('COMPOSE_PROFILES', 'workers,synapse-sync-1,monitor');
  assert.ok(parseSettings(values).ok);
  // Older deployments have no such lines.
  for (const k of ['COMPOSE_PROFILES', 'MONITOR_DEPLOYMENT_DIR', 'MONITOR_MXCTL_DIR']) values.delete(k);
  assert.ok(parseSettings(values).ok);
});
