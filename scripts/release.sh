#!/usr/bin/env bash
# Builds the release artifact, element-matrix-VERSION.tgz (in tmp/release/, or the folder given),
# installed on a server with one command: `npm install -g ./element-matrix-VERSION.tgz`.
#   npm run release [-- OUT_DIR]
# What is in it, and why:
# - src/ compiled to JavaScript: an install puts mxctl under node_modules, where Node strips no
#   TypeScript types.
# - the runtime dependencies, bundled at the lockfile's versions: the install resolves nothing, so
#   a server runs the tree the tests ran (scripts/release-manifest.ts says the rest).
# - `node` (Node 24, npm fetches the build for the server's platform) as a plain dependency at its
#   exact version: bin/mxctl runs on it, whatever Node the server has.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/node_modules/.bin:$PATH
out=$(mkdir -p "${1:-tmp/release}" && cd "${1:-tmp/release}" && pwd)
stage=$out/stage
rm -rf "$stage"
tsc -p tsconfig.release.json --outDir "$stage"
cp -r bin container README.md package.json package-lock.json "$stage/"
(cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
# Type declarations and source maps are half the files and no use at run time: a faster pack and install.
find "$stage/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.map' \) -delete
node scripts/release-manifest.ts "$stage"
(cd "$stage" && npm pack --pack-destination "$out" --loglevel=error >/dev/null)
echo "$out/$(node -p 'const p = require("./package.json"); `${p.name}-${p.version}.tgz`')"
rm -rf "$stage"
