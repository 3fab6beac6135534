// `mxctl upgrade --check` against the real lab and a real registry (Debian's docker-registry on
// the lab's loopback address): the lab's Synapse pushed as 1.160.0 and its `next` build as
// 1.160.1, the deployment pinned to the registry's 1.160.0 and running it; the check must offer
// 1.160.1 with the digest the registry serves. Then the refusals: Docker Hub unreachable (this
// machine has no Internet), an unknown repository, the registry down — each a clear error, exit
// code 15, and .env byte for byte unchanged. And --plan: the target pin with its digest, the schema
// window read from the images (1.161.0 raises the compat: a rollback would need the backup), and
// its refusals (unknown tag, a queued background update: exit 18), .env unchanged. Then the
// upgrades applied and rolled back (test/e2e/upgrade/apply.ts), on the same lab and registry,
// before the registry is stopped for the last refusal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import {
  LAB_SYNAPSE_REPO,
  LAB_SYNAPSE_TAGS,
  pinLabImage,
  pushImage,
  pushLabSynapse,
  startRegistry,
  untagPushed,
} from '../../lab/registry.ts';
import type { LabRegistry } from '../../lab/registry.ts';
import { MANIFEST_ACCEPT } from '../../src/adapters/registry.ts';
import type { UpgradeCheckReport } from '../../src/ops/upgrade/check.ts';
import type { UpgradePlan } from '../../src/ops/upgrade/plan.ts';
import type { Journal } from '../../src/core/upgrade/journal.ts';
import { applyTests } from './upgrade/apply.ts';

const exec = promisify(execFile);
const TAGS = ['1.160.0', '1.160.1'] as const;

describe('upgrade --check and --plan in the lab, against a real registry', () => {
  let lab: Lab;
  let registry: LabRegistry | undefined;
  let digests: Record<string, string>;
  let pin: string;
  let envFile: string;

  before(async () => {
    lab = await startLab();
    // NOTE: on the lab's own address, never 127.0.0.1 (the demo lab's).
    registry = await startRegistry({ address: lab.address });
    digests = await pushLabSynapse(registry.host, TAGS);
    pin = `${registry.host}/${LAB_SYNAPSE_REPO}:1.160.0`;
    await pinLabImage(lab.dir, lab.address, 'synapse', pin);
    const up = await lab.mxctl(['up']);
    assert.equal(up.code, 0, up.stderr);
    envFile = join(lab.dir, '.env');
  });
  after(async () => {
    // The rollback tags the upgrades kept (tags only: the images are the lab's own).
    const kept = await readFile(join(lab?.dir ?? '/nonexistent', 'state', 'upgrades.json'), 'utf8').then(
      (t) =>
        (JSON.parse(t) as Journal).entries.flatMap((e) => (e.rollbackImage === undefined ? [] : [e.rollbackImage])),
      () => [],
    );
    if (kept.length > 0) await exec('docker', ['image', 'rm', '--no-prune', ...kept]).catch(() => undefined);
    await registry?.stop();
    if (registry !== undefined)
      await untagPushed(registry.host, LAB_SYNAPSE_REPO, [...TAGS, '1.161.0', '1.160.2-broken']);
    await lab?.destroy();
  });

  async function check(
    args: readonly string[] = ['synapse'],
  ): Promise<{ code: number; report: UpgradeCheckReport | undefined; stdout: string; stderr: string }> {
    const r = await lab.mxctl(['upgrade', '--check', '--json', ...args]);
    return { ...r, report: r.code === 0 ? (JSON.parse(r.stdout) as UpgradeCheckReport) : undefined };
  }

  it('the stack runs Synapse from the registry pin', async () => {
    const ps = await exec('docker', ['compose', 'ps', '-q', 'synapse'], { cwd: join(lab.dir, 'compose') });
    const image = await exec('docker', ['inspect', '-f', '{{.Config.Image}}', ps.stdout.trim()]);
    assert.equal(image.stdout.trim(), pin);
    const s = await lab.mxctl(['status', '--json']);
    assert.equal(s.code, 0, s.stderr);
  });

  it('offers 1.160.1 with the digest the registry serves, and says what runs here', async () => {
    const r = await check();
    assert.equal(r.code, 0, r.stderr);
    const x = r.report?.images[0];
    assert.equal(r.report?.images.length, 1);
    assert.equal(x?.service, 'synapse');
    assert.equal(x?.pinned, pin);
    assert.equal(x?.status, 'update-available');
    assert.deepEqual(x?.newer, ['1.160.1']);
    assert.equal(x?.newest?.tag, '1.160.1');
    assert.equal(x?.newest?.image, `${registry?.host}/${LAB_SYNAPSE_REPO}:1.160.1`);
    assert.equal(x?.newest?.kind, 'patch');
    assert.equal(r.report?.updates, 1);
    // The same digest three ways: docker push printed it, the registry's HEAD says it, the local image records it.
    const head = await fetch(`${registry?.url}/v2/${LAB_SYNAPSE_REPO}/manifests/1.160.1`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT },
    });
    assert.equal(x?.newest?.digest, head.headers.get('docker-content-digest'));
    assert.equal(x?.newest?.digest, digests['1.160.1']);
    const local = await exec('docker', [
      'image',
      'inspect',
      '-f',
      '{{json .RepoDigests}}',
      `${registry?.host}/${LAB_SYNAPSE_REPO}:1.160.1`,
    ]);
    assert.ok(
      (JSON.parse(local.stdout) as string[]).includes(`${registry?.host}/${LAB_SYNAPSE_REPO}@${digests['1.160.1']}`),
    );
    // What runs here: the pushed 1.160.0, by registry digest and image id.
    assert.equal(x?.localDigest, digests['1.160.0']);
    assert.equal(x?.registryDigest, digests['1.160.0']);
    const id = await exec('docker', ['image', 'inspect', '-f', '{{.Id}}', pin]);
    assert.equal(x?.localImageId, id.stdout.trim());
  });

  it('prints a table for people, exit 0 with an update available', async () => {
    const r = await lab.mxctl(['upgrade', '--check', 'synapse']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `synapse +${pin.replace(/[.]/g, '\\.')} +${digests['1.160.0']?.slice(7, 19)} +1\\.160\\.1 ${digests['1.160.1']?.slice(7, 19)} \\(patch\\) +update-available`,
      ),
    );
    assert.match(r.stdout, /1 of 1 images have an update/);
  });

  async function plan(
    args: readonly string[],
  ): Promise<{ code: number; report: UpgradePlan | undefined; stderr: string }> {
    const r = await lab.mxctl(['upgrade', 'synapse', '--plan', '--json', ...args]);
    return { ...r, report: r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as UpgradePlan) };
  }

  it('--plan to 1.160.1: target pin with its digest, the schema window (no restore to go back), .env unchanged', async () => {
    const before = await readFile(envFile);
    const r = await plan(['--to', '1.160.1']);
    assert.equal(r.code, 0, r.stderr);
    const s = r.report?.services[0];
    assert.equal(s?.to, `${registry?.host}/${LAB_SYNAPSE_REPO}:1.160.1@${digests['1.160.1']}`);
    assert.deepEqual(s?.schema?.db, { version: 94, compat: 84 });
    assert.deepEqual(s?.schema?.target, { version: 95, compat: 84 });
    assert.equal(s?.schema?.window?.ok === true && s.schema.window.rollbackNeedsRestore, false);
    assert.equal(r.report?.backgroundUpdates, 0);
    assert.ok((r.report?.disk.freeBytes ?? 0) > 0);
    assert.deepEqual(await readFile(envFile), before);
  });

  it('--plan to the compat-raising 1.161.0 says in advance that a rollback needs the backup restored', async () => {
    if (registry !== undefined)
      await pushImage(registry.host, LAB_SYNAPSE_TAGS['1.161.0'], LAB_SYNAPSE_REPO, '1.161.0');
    const r = await plan(['--to', '1.161.0']);
    assert.equal(r.code, 0, r.stderr);
    const w = r.report?.services[0]?.schema?.window;
    assert.equal(w?.ok === true && w.rollbackNeedsRestore, true);
    assert.equal(w?.ok === true && w.compatAfter, 95);
  });

  it('--plan to an unknown tag is refused: exit 18, nothing changed', async () => {
    const before = await readFile(envFile);
    const r = await plan(['--to', '9.9.9']);
    assert.equal(r.code, 18, r.stderr);
    assert.match(r.stderr, /has no tag "9\.9\.9"/);
    assert.deepEqual(await readFile(envFile), before);
  });

  it('--plan with a background update still queued is refused (exit 18) until it is gone', async () => {
    const sql = (q: string): Promise<unknown> =>
      exec('docker', ['compose', 'exec', '-T', 'postgres', 'psql', '-U', 'synapse', '-d', 'synapse', '-c', q], {
        cwd: join(lab.dir, 'compose'),
      });
    await sql(`INSERT INTO background_updates (update_name, progress_json) VALUES ('mxctl_lab_queued', '{}')`);
    try {
      const r = await plan(['--to', '1.160.1']);
      assert.equal(r.code, 18, r.stderr);
      assert.equal(r.report?.backgroundUpdates, 1);
      assert.ok(r.report?.blockers.some((b) => /background update/.test(b)));
    } finally {
      await sql(`DELETE FROM background_updates WHERE update_name = 'mxctl_lab_queued'`);
    }
    assert.equal((await plan(['--to', '1.160.1'])).code, 0);
  });

  it('Docker Hub unreachable (no Internet here): exit 15 naming each image, .env unchanged', async () => {
    const before = await readFile(envFile);
    const r = await check([]);
    assert.equal(r.code, 15, r.stderr);
    assert.match(r.stderr, /Could not check 4 of 5 images for updates\./);
    for (const service of ['postgres', 'element', 'nginx', 'certbot'])
      assert.match(r.stderr, new RegExp(`- ${service}: Cannot reach the image registry docker\\.io`));
    assert.match(r.stderr, /Nothing was changed\./);
    assert.deepEqual(await readFile(envFile), before);
  });

  it('an unknown repository: exit 15, the repository named', async () => {
    const original = await readFile(envFile);
    try {
      await writeFile(
        envFile,
        original.toString('utf8').replace(pin, `${registry?.host}/element-matrix-lab/nope:1.160.0`),
      );
      const r = await check();
      assert.equal(r.code, 15, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `Could not check synapse for updates: The image registry ${registry?.host.replace(/[.]/g, '\\.')} has no repository element-matrix-lab/nope\\.`,
        ),
      );
      assert.match(r.stderr, /fix: Check the image name in \.env/);
    } finally {
      await writeFile(envFile, original, { mode: 0o600 });
    }
  });

  applyTests({
    lab: () => lab,
    registryHost: () => registry?.host ?? '',
    digests: () => digests,
  });

  it('the registry down: exit 15, connection refused, .env unchanged', async () => {
    await registry?.stop();
    const before = await readFile(envFile);
    const r = await check();
    assert.equal(r.code, 15, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`Cannot reach the image registry ${registry?.host.replace(/[.]/g, '\\.')} \\(connection refused\\)`),
    );
    assert.equal(r.stdout, '');
    assert.deepEqual(await readFile(envFile), before);
  });
});
