// Restore drills and disaster recovery, end to end in ONE lab (CI time is a budget): populate a
// little, back up, then lose only the database volume and restore without --no-safety-backup.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { MatrixUser } from '../../lab/matrix-user.ts';
import { tableCounts } from './backup-fixtures.ts';

const exec = promisify(execFile);

describe('restore drills in the lab', () => {
  let lab: Lab;
  let matrix: string;
  const user = { name: 'dora', password: randomBytes(12).toString('hex') };
  const bodies: string[] = [];
  let roomId: string;

  before(async () => {
    lab = await startLab();
    matrix = `https://${lab.settings.MX_MATRIX_HOST}`;
  });
  after(async () => {
    await lab?.destroy();
  });

  function compose(...args: string[]): Promise<{ stdout: string }> {
    return exec('docker', ['compose', ...args], { cwd: join(lab.dir, 'compose') });
  }

  it('populates: a user, a room, messages; a backup', async () => {
    const t = await lab.admin.call<{ token: string }>('POST', '/_synapse/admin/v1/registration_tokens/new', {
      uses_allowed: 1,
    });
    const r = await MatrixUser.register(matrix, lab.publicHttp, user.name, user.password, t.token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const dora = await MatrixUser.login(matrix, lab.publicHttp, user.name, user.password);
    roomId = await dora.createRoom('drill room');
    for (let n = 0; n < 5; n++) {
      const body = `drill message ${n} ${randomBytes(4).toString('hex')}`;
      await dora.send(roomId, body);
      bodies.push(body);
    }
    const b = await lab.mxctl(['backup', '--local-only', '--json']);
    assert.equal(b.code, 0, b.stderr);
  });

  it('restore after only the database volume was lost: no --no-safety-backup needed, and it says why', async () => {
    await compose('down', '--timeout', '20');
    const { stdout } = await compose('config', '--format', 'json');
    const config = JSON.parse(stdout) as { volumes: Record<string, { name: string }> };
    const volume = config.volumes['postgres-data']?.name ?? '';
    assert.notEqual(volume, '');
    await exec('docker', ['volume', 'rm', volume]);
    await compose('up', '-d', '--wait', 'postgres');
    const r = await lab.mxctl(['restore', 'latest', '--yes', '--checks', 'read-only', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      safetyBackup?: string;
      noSafetyBackup?: { reason: string; savedFiles: string };
      checks: { name: string; ok: boolean }[];
    };
    assert.ok(report.ok, JSON.stringify(report.checks));
    assert.equal(report.safetyBackup, undefined);
    assert.match(report.noSafetyBackup?.reason ?? '', /no Synapse schema/);
    // What did exist (config, media) was kept, privately, before being replaced.
    const saved = report.noSafetyBackup?.savedFiles ?? '';
    assert.equal((await stat(saved)).mode & 0o777, 0o700);
    assert.ok((await readdir(join(saved, 'synapse'))).includes('homeserver.yaml'), 'the replaced config is kept');
    assert.ok(((await tableCounts(lab)).get('users') ?? 0) > 0);
    const dora = await MatrixUser.login(matrix, lab.publicHttp, user.name, user.password);
    const read = await dora.messages(roomId);
    for (const b of bodies) assert.ok(read.includes(b), `"${b}" is back`);
  });
});
