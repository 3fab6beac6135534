// The file set `mxctl init` writes (DESIGN.md §2), as data: path, content, mode, owner. Pure.
import type { Settings } from './settings.ts';
import { SECRET_KEYS, SUPPLIED_SECRET_KEYS, formatSettings } from './settings.ts';
import { renderCompose } from './templates/compose.ts';
import { renderHomeserver, renderLogConfig, logConfigFile, signingKeyFile } from './templates/homeserver.ts';
import { renderNginx } from './templates/nginx.ts';
import { renderElementConfig } from './templates/element.ts';
import { renderScripts } from './templates/scripts.ts';
import { renderRunbook } from './templates/runbook.ts';
import { DEPLOY_HOOK, RELOAD_WATCHER, renderDeployHook, renderReloadWatcher } from './templates/cert-hooks.ts';

/** The synapse image runs as UID/GID 991; files it reads or writes belong to it. */
export const SYNAPSE_UID = 991;

export interface DeploymentFile {
  path: string; // relative to the deployment root
  content: string;
  mode: number;
  /** Owned by the synapse user inside its container. */
  synapseOwned?: boolean;
  /** Written once and never re-rendered (the signing key). */
  createOnly?: boolean;
}

export interface DeploymentDir {
  path: string;
  mode: number;
  synapseOwned?: boolean;
}

export const DEPLOYMENT_DIRS: readonly DeploymentDir[] = [
  { path: 'compose', mode: 0o755 },
  { path: 'synapse', mode: 0o750, synapseOwned: true },
  { path: 'synapse/media_store', mode: 0o750, synapseOwned: true },
  { path: 'nginx/templates', mode: 0o755 },
  { path: 'element', mode: 0o755 },
  { path: 'certs', mode: 0o755 },
  { path: 'certbot/www', mode: 0o755 },
  { path: 'certbot/logs', mode: 0o750 },
  { path: 'scripts', mode: 0o755 },
  { path: 'docs', mode: 0o755 },
  { path: 'state', mode: 0o700 },
];

export function renderDeployment(s: Settings, signingKey: string): DeploymentFile[] {
  const files: DeploymentFile[] = [
    { path: '.env', content: formatSettings(s), mode: 0o600 },
    { path: 'compose/docker-compose.yml', content: renderCompose(), mode: 0o644 },
    { path: 'synapse/homeserver.yaml', content: renderHomeserver(s), mode: 0o600, synapseOwned: true },
    { path: `synapse/${logConfigFile(s.MX_SERVER_NAME)}`, content: renderLogConfig(), mode: 0o644, synapseOwned: true },
    {
      path: `synapse/${signingKeyFile(s.MX_SERVER_NAME)}`,
      content: signingKey,
      mode: 0o600,
      synapseOwned: true,
      createOnly: true,
    },
    { path: 'element/config.json', content: renderElementConfig(s), mode: 0o644 },
    { path: 'docs/RUNBOOK.md', content: renderRunbook(s), mode: 0o644 },
    { path: `nginx/${RELOAD_WATCHER}`, content: renderReloadWatcher(), mode: 0o644 },
    // NOTE: executable, or certbot skips it.
    { path: `certs/${DEPLOY_HOOK}`, content: renderDeployHook(), mode: 0o755 },
  ];
  for (const [name, content] of Object.entries(renderNginx(s))) {
    files.push({ path: `nginx/templates/${name}`, content, mode: 0o644 });
  }
  for (const [name, content] of Object.entries(renderScripts())) {
    files.push({ path: `scripts/${name}`, content, mode: 0o755 });
  }
  return files;
}

export function secretValues(s: Settings): string[] {
  return [...SECRET_KEYS, ...SUPPLIED_SECRET_KEYS].map((k) => s[k]);
}

/** Synapse's signing-key file line: `ed25519 a_XXXX <unpadded base64 seed>`. */
export function formatSigningKey(keyId: string, seed: Buffer): string {
  if (!/^a_[A-Za-z0-9_]{4}$/.test(keyId)) throw new Error(`bad signing key id ${keyId}`);
  if (seed.length !== 32) throw new Error('an ed25519 seed is 32 bytes');
  return `ed25519 ${keyId} ${seed.toString('base64').replace(/=+$/, '')}\n`;
}
