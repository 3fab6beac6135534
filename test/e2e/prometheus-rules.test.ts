// The shipped alert rules under the real promtool (Debian sid's 3.5, in the lab's prometheus
// image): `promtool check rules` on every rendered rule file, and one node test per alert that
// runs its own `promtool test rules` file (test/e2e/prometheus-rules/ALERT.yml), so a failure
// names the alert. No lab stack: only the image, with no network and the files mounted read-only.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { renderAlertRules } from '../../src/core/templates/alert-rules.ts';

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

/** Runs a tool of the image with /w/rules (rendered) and /w/tests (this repo) mounted read-only. */
async function inImage(work: string, tool: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  const docker = ['run', '--rm', '--network', 'none', '-v', `${work}:/w/rules:ro`, '-v', `${TESTS}:/w/tests:ro`];
  try {
    const r = await exec('docker', [...docker, '--entrypoint', tool, IMAGE, ...args]);
    return { ok: true, output: r.stdout + r.stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

describe('shipped Prometheus alert rules (promtool)', () => {
  let work: string;

  before(async () => {
    // NOTE: no skip: CI builds the image (lab/images/build.sh), so a missing one is a failure.
    await exec('docker', ['image', 'inspect', IMAGE]).catch(() => {
      throw new Error(`the lab image ${IMAGE} is missing: build it with \`bash lab/images/build.sh prometheus\``);
    });
    work = await mkdtemp(join(tmpdir(), 'mxctl-rules-'));
    // The image runs as nobody: the folder must be readable to others (it holds no secret).
    await chmod(work, 0o755);
    for (const [name, text] of Object.entries(rules)) await writeFile(join(work, name), text, { mode: 0o644 });
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
