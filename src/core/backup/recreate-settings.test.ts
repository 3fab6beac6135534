import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';
import { offsiteSettingsFrom, parseOverride, recreateSettings } from './recreate-settings.ts';

const secret = 'x'.repeat(43);
const archived = settingsFromChoices(
  { domain: 'example.org' },
  Object.fromEntries(SECRET_KEYS.map((k) => [k, secret])) as Record<(typeof SECRET_KEYS)[number], string>,
);

describe('the settings of a deployment recreated from a backup', () => {
  it('without overrides: the backup’s own, unchanged', () => {
    const r = recreateSettings(archived, []);
    assert.ok(r.ok);
    assert.deepEqual(r.settings, archived);
    assert.deepEqual(r.changed, []);
  });

  it("the machine's settings change; the identity stays", () => {
    const r = recreateSettings(archived, [
      { key: 'SYNAPSE_LOCAL_ADDRESS', value: '127.0.0.9' },
      { key: 'ACME_EMAIL', value: 'ops@example.org' },
      { key: 'BACKUP_DIR', value: '' },
    ]);
    assert.ok(r.ok);
    assert.equal(r.settings.SYNAPSE_LOCAL_ADDRESS, '127.0.0.9');
    assert.equal(r.settings.ACME_EMAIL, 'ops@example.org');
    assert.equal(r.settings.MX_SERVER_NAME, 'example.org');
    assert.equal(r.settings.MACAROON_SECRET_KEY, secret);
    assert.deepEqual(
      r.changed,
      ['ACME_EMAIL', 'SYNAPSE_LOCAL_ADDRESS'],
      'an override equal to the backup is no change',
    );
  });

  it('refuses, all at once: the identity, an unknown key, a key twice, a bad value', () => {
    const r = recreateSettings(archived, [
      { key: 'MX_SERVER_NAME', value: 'other.org' },
      { key: 'NOPE', value: '1' },
      { key: 'ACME_EMAIL', value: 'a@b.org' },
      { key: 'ACME_EMAIL', value: 'c@d.org' },
    ]);
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.errors.join('\n');
    assert.match(text, /MX_SERVER_NAME is the backed-up server's own/);
    assert.match(text, /NOPE is not a setting/);
    assert.match(text, /ACME_EMAIL is set twice/);
    const bad = recreateSettings(archived, [{ key: 'SYNAPSE_LOCAL_ADDRESS', value: 'not-an-ip' }]);
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.errors.join('\n'), /SYNAPSE_LOCAL_ADDRESS/);
  });

  it('KEY=VALUE: the value may hold = and be empty', () => {
    assert.deepEqual(parseOverride('S3_PREFIX=a=b'), { key: 'S3_PREFIX', value: 'a=b' });
    assert.deepEqual(parseOverride('BACKUP_DIR='), { key: 'BACKUP_DIR', value: '' });
    assert.equal(parseOverride('=x'), undefined);
    assert.equal(parseOverride('nothing'), undefined);
  });
});

describe('the offsite target of a new machine, from a file or the environment', () => {
  it('an S3 bucket with its credentials', () => {
    const r = offsiteSettingsFrom(
      new Map([
        ['S3_ENDPOINT', 'http://127.0.0.5:9000'],
        ['S3_BUCKET', 'mx'],
        ['S3_ACCESS_KEY_ID', 'id'],
        ['S3_SECRET_ACCESS_KEY', 'key'],
      ]),
    );
    assert.ok(r.ok);
    assert.equal(r.settings.S3_BUCKET, 'mx');
    assert.equal(r.settings.RCLONE_REMOTE, '');
  });

  it('refuses no target, two targets, a bad endpoint and a key that is not offsite', () => {
    const none = offsiteSettingsFrom(new Map());
    assert.match(none.ok ? '' : none.errors.join('\n'), /no offsite target/);
    const both = offsiteSettingsFrom(
      new Map([
        ['S3_BUCKET', 'mx'],
        ['RCLONE_REMOTE', 'r:x'],
      ]),
    );
    assert.match(both.ok ? '' : both.errors.join('\n'), /not both/);
    const bad = offsiteSettingsFrom(
      new Map([
        ['S3_BUCKET', 'mx'],
        ['S3_ENDPOINT', 'not a url'],
        ['MX_SERVER_NAME', 'x.org'],
      ]),
    );
    const text = bad.ok ? '' : bad.errors.join('\n');
    assert.match(text, /S3_ENDPOINT/);
    assert.match(text, /MX_SERVER_NAME is not an offsite setting/);
  });
});
