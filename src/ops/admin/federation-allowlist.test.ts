// The allowlist change on a real deployment folder written by init (no Synapse needed): what is
// asked, what is written, when Synapse is restarted. The lab e2e proves Synapse's side.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initDeployment } from '../init.ts';
import { loadDeployment } from '../deployment.ts';
import { changeAllowlist, diskWrites, RecordedWrites, showAllowlist } from './federation-allowlist.ts';
import type { AllowlistAction, AllowlistDeps } from './federation-allowlist.ts';
import { approver } from '../../cli/prompt.ts';
import { isMxError } from '../../core/errors.ts';

let root: string;
let restarts: number;
const files = async () => [
  await readFile(join(root, '.env'), 'utf8'),
  await readFile(join(root, 'synapse/homeserver.yaml'), 'utf8'),
];
type Confirm = (question: string) => Promise<boolean>;
interface Flags {
  yes: boolean;
  dryRun: boolean;
  restart: boolean | undefined;
}

/** The deployment as it is on disk now, the CLI's one confirmation rule, and fakes for the rest. */
async function change(
  action: AllowlistAction,
  f: Flags,
  over: { files?: AllowlistDeps['files']; confirm?: Confirm; show?: (text: string) => void } = {},
) {
  const deps: AllowlistDeps = {
    deployment: await loadDeployment({ dir: root }),
    approve: approver({ yes: f.yes, dryRun: f.dryRun, interactive: over.confirm !== undefined, confirm: over.confirm }),
    files: over.files ?? diskWrites,
    ask: over.confirm,
    show: over.show ?? (() => undefined),
    restartSynapse: () => {
      restarts++;
      return Promise.resolve();
    },
  };
  return changeAllowlist({ action, dryRun: f.dryRun, restart: f.restart }, deps);
}
const show = async () => showAllowlist({}, { deployment: await loadDeployment({ dir: root }) });

beforeEach(async () => {
  root = join(await mkdtemp(join(tmpdir(), 'mxctl-allowlist-')), 'deploy');
  await initDeployment({ root, domain: 'example.org', yes: true }, { show: () => undefined });
  restarts = 0;
});
afterEach(async () => {
  await rm(join(root, '..'), { recursive: true, force: true });
});

test('add with --yes writes .env and homeserver.yaml (mode and owner kept); without a terminal it does not restart', async () => {
  const before = await stat(join(root, 'synapse/homeserver.yaml'));
  const r = await change(
    { kind: 'add', names: ['b.example', 'a.example'] },
    { yes: true, dryRun: false, restart: undefined },
  );
  assert.deepEqual(
    [r.applied, r.restarted, r.restartNeeded, r.allowlist],
    [true, false, true, ['b.example', 'a.example']],
  );
  assert.equal(restarts, 0);
  const [env = '', hs = ''] = await files();
  assert.match(env, /^MX_FEDERATION_ALLOWLIST=b\.example,a\.example$/m);
  assert.match(hs, /federation_domain_whitelist:\n {2}- "example\.org"\n {2}- "b\.example"\n {2}- "a\.example"\n$/);
  const after = await stat(join(root, 'synapse/homeserver.yaml'));
  assert.deepEqual([after.mode & 0o777, after.uid, after.gid], [before.mode & 0o777, before.uid, before.gid]);
  assert.deepEqual(await show(), {
    serverName: 'example.org',
    federation: 'allowlist',
    allowlist: ['b.example', 'a.example'],
    homeserver: ['example.org', 'b.example', 'a.example'],
    inSync: true,
  });
  // the same again: nothing to write, nothing to ask, no restart question
  const again = await change({ kind: 'add', names: ['a.example'] }, { yes: false, dryRun: false, restart: undefined });
  assert.deepEqual([again.files, again.unchanged, again.applied], [[], ['a.example'], false]);
});

test('the restart: --restart restarts, --no-restart does not, and a terminal is asked', async () => {
  await change({ kind: 'add', names: ['a.example'] }, { yes: true, dryRun: false, restart: true });
  assert.equal(restarts, 1);
  await change({ kind: 'add', names: ['b.example'] }, { yes: true, dryRun: false, restart: false });
  assert.equal(restarts, 1);
  const asked: string[] = [];
  const r = await change(
    { kind: 'clear' },
    { yes: false, dryRun: false, restart: undefined },
    { confirm: (q) => (asked.push(q), Promise.resolve(true)) },
  );
  assert.deepEqual(asked, [
    'Federate with every server (remove the allowlist)?',
    'Restart Synapse now so the change takes effect?',
  ]);
  assert.deepEqual([r.restarted, restarts], [true, 2]);
  assert.ok(!(await files())[1]?.includes('federation_domain_whitelist'));
});

test('dry run, a "no", no terminal without --yes, bad names: nothing is written', async () => {
  const unchanged = await files();
  const shown: string[] = [];
  const rec = new RecordedWrites();
  const dry = await change(
    { kind: 'add', names: ['a.example'] },
    { yes: false, dryRun: true, restart: true },
    { files: rec, show: (t) => shown.push(t) },
  );
  assert.deepEqual(
    [dry.applied, dry.restarted, restarts, dry.files],
    [false, false, 0, ['.env', 'synapse/homeserver.yaml']],
  );
  assert.deepEqual(rec.planned, [join(root, '.env'), join(root, 'synapse/homeserver.yaml')]);
  assert.match(shown.join(''), /\+federation_domain_whitelist:/);
  assert.ok(
    !dry.diff.includes((/POSTGRES_PASSWORD=(.*)/.exec(unchanged[0] ?? '') ?? [])[1] ?? '???'),
    'secrets redacted',
  );
  const add = { kind: 'add', names: ['a.example'] } as const;
  await assert.rejects(
    change(add, { yes: false, dryRun: false, restart: undefined }, { confirm: () => Promise.resolve(false) }),
    (e) => isMxError(e, 'E_ABORTED'),
  );
  await assert.rejects(change(add, { yes: false, dryRun: false, restart: undefined }), (e) => isMxError(e, 'E_USAGE'));
  await assert.rejects(
    change({ kind: 'add', names: ['ok.example', 'no way'] }, { yes: true, dryRun: false, restart: undefined }),
    (e) => isMxError(e, 'E_INVALID_INPUT'),
  );
  await assert.rejects(
    change({ kind: 'remove', names: ['a.example'] }, { yes: true, dryRun: false, restart: undefined }),
    (e) => isMxError(e, 'E_NOT_FOUND'),
  );
  assert.deepEqual(await files(), unchanged);
  assert.equal(restarts, 0);
});

test('a deployment written before the setting existed gets the .env line where init would put it', async () => {
  const envPath = join(root, '.env');
  const current = await readFile(envPath, 'utf8');
  const old = current.replace(/# Federate only[^\n]*\n# Change it[^\n]*\nMX_FEDERATION_ALLOWLIST=\n/, '');
  assert.notEqual(old, current);
  await writeFile(envPath, old);
  await change({ kind: 'add', names: ['a.example'] }, { yes: true, dryRun: false, restart: false });
  await change({ kind: 'clear' }, { yes: true, dryRun: false, restart: false });
  assert.equal(await readFile(envPath, 'utf8'), current);
});
