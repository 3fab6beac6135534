import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  majorOfTag,
  majorOfVersionNum,
  mountForMajor,
  newVolumeName,
  postgresMount,
  postgresVolume,
  rolesForNewCluster,
} from './postgres-major.ts';

describe('PostgreSQL major upgrade decisions', () => {
  it('the volume and mount: the settings, or the defaults compose applies', () => {
    assert.equal(postgresVolume({ POSTGRES_VOLUME: '', COMPOSE_PROJECT_NAME: 'mx' }), 'mx_postgres-data');
    assert.equal(postgresVolume({ POSTGRES_VOLUME: 'mx_pg18-1', COMPOSE_PROJECT_NAME: 'mx' }), 'mx_pg18-1');
    assert.equal(postgresMount({ POSTGRES_DATA_MOUNT: '' }), '/var/lib/postgresql');
    assert.equal(postgresMount({ POSTGRES_DATA_MOUNT: '/var/lib/postgresql/data' }), '/var/lib/postgresql/data');
  });

  it('the mount point follows the official image layout: ≤ 17 in data/, 18 and later above it', () => {
    assert.equal(mountForMajor(15), '/var/lib/postgresql/data');
    assert.equal(mountForMajor(17), '/var/lib/postgresql/data');
    assert.equal(mountForMajor(18), '/var/lib/postgresql');
    assert.equal(mountForMajor(19), '/var/lib/postgresql');
  });

  it('majors from tags and from server_version_num', () => {
    assert.equal(majorOfTag('15'), 15);
    assert.equal(majorOfTag('18.1'), 18);
    assert.equal(majorOfTag('17-bookworm'), 17);
    assert.equal(majorOfTag('latest'), undefined);
    assert.equal(majorOfTag(undefined), undefined);
    assert.equal(majorOfVersionNum(150018), 15);
    assert.equal(majorOfVersionNum(180001), 18);
  });

  it('the new volume is named after the major and the journal id, so a retry never collides', () => {
    assert.equal(newVolumeName('mx', 18, '20261204-183000-postgres'), 'mx_pg18-20261204-183000');
    assert.notEqual(
      newVolumeName('mx', 18, '20261204-183000-postgres'),
      newVolumeName('mx', 18, '20261204-183501-postgres'),
    );
  });

  it("the roles dump loses only the superuser's CREATE ROLE; its password hash stays", () => {
    const dump = [
      'SET standard_conforming_strings = on;',
      'CREATE ROLE synapse;',
      "ALTER ROLE synapse WITH SUPERUSER LOGIN PASSWORD 'SCRAM-SHA-256$4096:abc';",
      'CREATE ROLE reader;',
      'ALTER ROLE reader WITH LOGIN;',
      'CREATE ROLE "user";',
    ].join('\n');
    const out = rolesForNewCluster(dump, 'synapse');
    assert.doesNotMatch(out, /^CREATE ROLE synapse;$/m);
    assert.match(out, /^ALTER ROLE synapse WITH SUPERUSER LOGIN PASSWORD 'SCRAM-SHA-256\$4096:abc';$/m);
    assert.match(out, /^CREATE ROLE reader;$/m);
    assert.doesNotMatch(rolesForNewCluster(dump, 'user'), /^CREATE ROLE "user";$/m);
  });
});
