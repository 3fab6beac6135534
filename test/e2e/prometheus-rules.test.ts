// The shipped alert rules under the real promtool (Debian sid's 3.5, in the lab's prometheus
// image): `promtool check rules` on every rendered rule file, and one node test per alert that
// runs its own `promtool test rules` file (test/e2e/prometheus-rules/ALERT.yml), so a failure
// names the alert; then `amtool check-config` and `amtool config routes test` on the rendered
// Alertmanager config. No lab stack: only the image, with no network and the files mounted read-only.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { renderAlertRules } from '../../src/core/templates/alert-rules.ts';
import { renderAlertmanagerConfig } from '../../src/core/templates/alertmanager.ts';
import type { AlertmanagerChannels } from '../../src/core/templates/alertmanager.ts';

const exec = promisify(execFile);
const IMAGE = 'element-matrix-lab/prometheus:lab';
const TESTS = join(import.meta.dirname, 'prometheus-rules');

interface RuleFile {
  groups: { rules: { alert?: string }[] }[];
}

const rules = renderAlertRules();
const alerts = Object.values(rules).flatMap((text) =>
  (parseYaml(text) as RuleFile).groups.flatMap((g) => g.rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert]))),
);

let imageChecked: Promise<unknown> | undefined;

/** Runs a tool of the image on a scratch folder mounted read-only at /w. */
async function inImage(work: string, tool: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  imageChecked ??= exec('docker', ['image', 'inspect', IMAGE]).catch(() => {
    // NOTE: no skip: CI builds the image (lab/images/build.sh), so a missing one is a failure.
    throw new Error(`the lab image ${IMAGE} is missing: build it with \`bash lab/images/build.sh prometheus\``);
  });
  await imageChecked;
  const docker = ['run', '--rm', '--network', 'none', '-v', `${work}:/w:ro`, '--entrypoint', tool, IMAGE];
  try {
    const r = await exec('docker', [...docker, ...args]);
    return { ok: true, output: r.stdout + r.stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

/**
 * A scratch folder: rules/ (rendered) and tests/ (copied, so a checkout made with umask 077 is
 * still readable). The image runs as nobody, so it is readable to others (no secrets in it).
 */
async function scratch(rules: Record<string, string>, withTests: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mxctl-rules-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'rules'), { mode: 0o755 });
  for (const [name, text] of Object.entries(rules)) await writeFile(join(dir, 'rules', name), text, { mode: 0o644 });
  if (withTests) {
    await cp(TESTS, join(dir, 'tests'), { recursive: true });
    await chmod(join(dir, 'tests'), 0o755);
    for (const f of await readdir(join(dir, 'tests'))) await chmod(join(dir, 'tests', f), 0o644);
  }
  return dir;
}

describe('shipped Prometheus alert rules (promtool)', () => {
  let work: string;

  before(async () => {
    work = await scratch(rules, true);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('promtool check rules: every rule file is valid', async () => {
    const r = await inImage(work, 'promtool', ['check', 'rules', ...Object.keys(rules).map((n) => `/w/rules/${n}`)]);
    assert.ok(r.ok, r.output);
    assert.equal(r.output.match(/SUCCESS/g)?.length, Object.keys(rules).length, r.output);
  });

  it('every alert has a promtool test file, and every test file an alert', async () => {
    const files = (await readdir(TESTS)).filter((f) => f.endsWith('.yml')).map((f) => f.slice(0, -'.yml'.length));
    assert.deepEqual(files.sort(), [...alerts].sort());
  });

  for (const alert of alerts) {
    it(`promtool test rules: ${alert}`, async () => {
      const r = await inImage(work, 'promtool', ['test', 'rules', `/w/tests/${alert}.yml`]);
      assert.ok(r.ok, `${alert}.yml failed:\n${r.output}`);
      // NOTE: promtool only warns about a rule file it cannot read, and then every "not firing" case passes.
      assert.doesNotMatch(r.output, /no file match pattern/, r.output);
    });
  }
});

const email = {
  to: 'admin@example.org',
  from: 'mxctl@example.org',
  smarthost: 'smtp.example.org:587',
  username: 'mxctl',
};
const everyChannel: AlertmanagerChannels = {
  webhook: true,
  ntfy: { topicUrl: 'https://ntfy.example.org/matrix-alerts', token: true },
  email,
  matrix: true,
  deadMansSwitch: true,
};

/** [config, alert labels, the receivers amtool must resolve them to (in route order)] */
const routes: [string, string[], string][] = [
  ['every channel', ['alertname=SynapseDown', 'severity=critical', 'job=synapse'], 'webhook,ntfy,email,matrix'],
  ['every channel', ['alertname=DiskAlmostFull', 'severity=warning'], 'webhook,ntfy,email,matrix'],
  ['every channel', ['alertname=Watchdog', 'severity=none'], 'deadmans-switch'],
  ['every channel', ['alertname=SomethingNew'], 'webhook,ntfy,email,matrix'],
  ['email only', ['alertname=BackupTooOld', 'severity=critical'], 'email'],
  ['email only', ['alertname=Watchdog', 'severity=none'], 'discard'],
];

describe('shipped Alertmanager config (amtool)', () => {
  let work: string;
  const configs: Record<string, AlertmanagerChannels> = {
    'every channel': everyChannel,
    'email only': { email },
  };
  const name = (config: string) => `${config.replace(' ', '-')}.yml`;
  const file = (config: string) => `/w/rules/${name(config)}`;

  before(async () => {
    const files: Record<string, string> = {};
    for (const [config, c] of Object.entries(configs)) files[name(config)] = renderAlertmanagerConfig(c);
    work = await scratch(files, false);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const config of Object.keys(configs)) {
    it(`amtool check-config: ${config}`, async () => {
      const r = await inImage(work, 'amtool', ['check-config', file(config)]);
      assert.ok(r.ok && /SUCCESS/.test(r.output), r.output);
    });
  }

  for (const [config, labels, receivers] of routes) {
    it(`amtool config routes test (${config}): ${labels.join(' ')} → ${receivers}`, async () => {
      const args = ['config', 'routes', 'test', `--config.file=${file(config)}`, `--verify.receivers=${receivers}`];
      const r = await inImage(work, 'amtool', [...args, ...labels]);
      assert.ok(r.ok, r.output);
      assert.equal(r.output.split('\n')[0], receivers, r.output);
    });
  }
});
