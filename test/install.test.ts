// The production install as the README's Production section does it, without Docker: the release
// artifact built by scripts/release.sh, installed with `npm install -g` by the machine's own Node
// and npm (Debian's Node 20 here) into a clean prefix, then `mxctl` from that prefix's bin/ with
// only the stock Node on PATH. Nothing may be written to stderr, at install or at run time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stockNode } from './stock-node.ts';

const run = promisify(execFile);

const node = stockNode();
let base: string;
let prefix: string;
/** PATH for the installed mxctl: the prefix's bin/, then the stock Node's folder, then the system's. */
let path: string;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mxctl-install-'));
  prefix = join(base, 'prefix');
  path = [join(prefix, 'bin'), ...(node === undefined ? [] : [dirname(node)]), '/usr/bin', '/bin'].join(delimiter);
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test(
  'the release artifact installs with the stock Node and npm, and mxctl runs from the PATH, silently',
  { skip: node === undefined && 'no Node outside node_modules on PATH' },
  async (t) => {
    const started = Date.now();
    const built = await run('bash', ['scripts/release.sh', join(base, 'release')]);
    const artifact = built.stdout.trim();
    assert.match(artifact, /element-matrix-\d+\.\d+\.\d+\.tgz$/);
    const builtAt = Date.now();

    const env = { ...process.env, PATH: path };
    const install = await run('npm', ['install', '-g', artifact, '--prefix', prefix, '--no-audit', '--no-fund'], {
      env,
    });
    assert.equal(install.stderr, '', 'npm install -g printed warnings');
    const installedAt = Date.now();
    // The Node that runs mxctl is the release's own, whatever the machine's is.
    const pkg = join(prefix, 'lib', 'node_modules', 'element-matrix');
    const nodes = (await readdir(join(pkg, 'node_modules'))).filter((n) => n.startsWith('node-linux-'));
    assert.equal(nodes.length, 1, `one platform Node package, found: ${nodes.join(', ')}`);

    const mxctl = (args: string[]) => run('mxctl', args, { env: { ...env, MXCTL_DIR: '' } });
    const help = await mxctl(['--help']);
    assert.match(help.stdout, /Usage: mxctl/);
    assert.equal(help.stderr, '');
    const dir = join(base, 'deployment');
    const init = await mxctl(['init', '--domain', 'example.org', '--acme-email', 'admin@example.org', '--dir', dir]);
    assert.match(init.stdout, /Created the deployment for example\.org/);
    assert.equal(init.stderr, '');
    assert.equal((await stat(join(dir, '.env'))).mode & 0o777, 0o600);

    const { stdout: stockVersion } = await run(node ?? 'node', ['--version']);
    t.diagnostic(
      `stock Node ${stockVersion.trim()}; build ${((builtAt - started) / 1000).toFixed(1)} s, install ${((installedAt - builtAt) / 1000).toFixed(1)} s, help + init ${((Date.now() - installedAt) / 1000).toFixed(1)} s`,
    );
  },
);
