// LAB ONLY. Boots Hydrogen's whole app (login, room list, timeline, composer) from
// hydrogen-view-sdk. It reads the config.json the deployment mounts at /app/config.json,
// which is Element Web's format (mxctl writes it for Element), and maps the homeserver onto
// Hydrogen's own config: so the lab serves exactly the file production's Element reads.
import { Platform, RootViewModel, FeatureSet, createNavigation, createRouter } from 'hydrogen-view-sdk';
import 'hydrogen-view-sdk/theme-element-light.css';

// Assets copied beside the bundle at image-build time (see the Dockerfile). Unhashed names:
// nginx serves them no-cache.
const assetPaths = {
  downloadSandbox: 'assets/download-sandbox.html',
  worker: 'assets/main.js',
  serviceWorker: 'sw.js',
  olm: { wasm: 'olm/olm.wasm', legacyBundle: 'olm/olm_legacy.js', wasmBundle: 'olm/olm.js' },
};

/** Element's default_server_config → Hydrogen's defaultHomeServer. */
export function hydrogenConfig(element) {
  const hs = element?.default_server_config?.['m.homeserver'] ?? {};
  // NOTE: the server name, when given, makes Hydrogen resolve it through
  // /.well-known/matrix/client (and so exercises that route and its CORS header), as a user
  // typing their server name would; the base URL is the fallback.
  return { defaultHomeServer: hs.server_name ?? hs.base_url ?? '', themeManifests: [] };
}

async function main() {
  // NOTE: Hydrogen mounts on <body class="hydrogen">, as its own index.html does: its CSS expects that.
  const container = document.body;
  const res = await fetch('config.json', { cache: 'no-cache' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const config = hydrogenConfig(await res.json());
  const platform = new Platform({ container, assetPaths, config, options: { development: false } });
  await platform.init();
  const features = await FeatureSet.load(platform.settingsStorage);
  const navigation = createNavigation();
  platform.setNavigation(navigation);
  const urlRouter = createRouter({ navigation, history: platform.history });
  urlRouter.attach();
  const vm = new RootViewModel({ platform, urlRouter, navigation, features });
  await vm.load();
  platform.createAndMountRootView(vm);
}

main().catch((error) => {
  console.error(error);
  document.body.textContent = `The lab web client failed to start: ${error.message}`;
});
