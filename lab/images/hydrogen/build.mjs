// LAB ONLY: bundles Hydrogen for the lab's element slot (run inside the image build, after npm ci).
// Output in /out: index.html, boot.js + boot.css (+ hashed fonts/icons), sw.js at the root,
// libolm in olm/, Hydrogen's download sandbox and worker in assets/, a placeholder config.json
// (the deployment mounts the real one) and a version file.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2] ?? '/out';
const nm = 'node_modules';

await build({
  entryPoints: ['src/boot.js'],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  outdir: out,
  entryNames: '[name]',
  assetNames: 'assets/[name]-[hash]',
  loader: { '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  logLevel: 'warning',
  plugins: [
    {
      // NOTE: hydrogen-view-sdk imports libolm only so that vite emits it as an asset; Hydrogen
      // itself loads olm/olm.js with a <script> tag (assetPaths.olm). Bundling it would pull
      // node's crypto/fs/path into a browser bundle, so that import resolves to nothing.
      name: 'olm-is-an-asset',
      setup(b) {
        b.onResolve({ filter: /^@matrix-org\/olm\/olm\.js$/ }, () => ({ path: 'olm', namespace: 'olm-asset' }));
        b.onLoad({ filter: /.*/, namespace: 'olm-asset' }, () => ({ contents: '', loader: 'js' }));
      },
    },
  ],
});

mkdirSync(`${out}/olm`, { recursive: true });
mkdirSync(`${out}/assets`, { recursive: true });
copyFileSync('src/index.html', `${out}/index.html`);
copyFileSync(`${nm}/hydrogen-view-sdk/lib-build/sw.js`, `${out}/sw.js`);
for (const f of ['download-sandbox.html', 'main.js'])
  copyFileSync(`${nm}/hydrogen-view-sdk/asset-build/assets/${f}`, `${out}/assets/${f}`);
for (const f of ['olm.js', 'olm.wasm', 'olm_legacy.js']) copyFileSync(`${nm}/@matrix-org/olm/${f}`, `${out}/olm/${f}`);
writeFileSync(
  `${out}/config.json`,
  `${JSON.stringify({ default_server_config: { 'm.homeserver': { base_url: 'https://matrix.example.org' } } })}\n`,
);
const version = (p) => JSON.parse(readFileSync(`${nm}/${p}/package.json`, 'utf8')).version;
writeFileSync(
  `${out}/version`,
  `hydrogen-view-sdk ${version('hydrogen-view-sdk')}, @matrix-org/olm ${version('@matrix-org/olm')} (element-matrix lab test client, not Element)\n`,
);
