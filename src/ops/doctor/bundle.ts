// `mxctl doctor --bundle FILE`: a support bundle an admin can hand to someone else — versions,
// status, findings, configs and the last lines of each service's log — with every secret
// replaced by REDACTED. Written 0600 anyway.
import { join, resolve } from 'node:path';
import { redact } from '../../core/diff.ts';
import { secretValues } from '../../core/deployment-files.ts';
import { MXCTL_VERSION } from '../../core/version.ts';
import { listDir, readTextIfExists } from '../../adapters/fs.ts';
import { programVersion, writeTextBundle } from '../../adapters/text-bundle.ts';
import type { TextEntry } from '../../adapters/text-bundle.ts';
import type { DoctorDeps } from './facts.ts';
import { readAdminState } from '../admin/state.ts';
import type { DoctorReport } from './doctor.ts';

const SECRET_NAME = /(SECRET|PASSWORD|PASSPHRASE|TOKEN|PEPPER|ACCESS_KEY|PRIVATE)/i;

/** Redacts known secret values, then any `key: value` / KEY=value whose name says secret. */
export function redactText(text: string, secrets: readonly string[]): string {
  return redact(text, secrets)
    .replace(
      /^(\s*[\w.-]*(?:secret|password|passphrase|token|pepper|access_key|private)[\w.-]*\s*:\s*).+$/gim,
      '$1REDACTED',
    )
    .replace(/^([A-Z0-9_]+)=(.*)$/gm, (line, key: string) => (SECRET_NAME.test(key) ? `${key}=REDACTED` : line));
}

export interface BundleOptions {
  report: DoctorReport;
  /** Where to write the tar.gz (relative to the current directory). */
  file: string;
}

export async function writeBundle(o: BundleOptions, d: DoctorDeps): Promise<{ file: string; entries: string[] }> {
  const admin = await readAdminState(d.deployment.root).catch(() => undefined);
  const secrets = [
    ...secretValues(d.deployment.settings),
    ...(admin === undefined ? [] : [admin.access_token, admin.password]),
  ];
  const entries = [
    { name: 'versions.json', text: JSON.stringify(await versions(d), null, 2) },
    { name: 'doctor.json', text: JSON.stringify(o.report, null, 2) },
    { name: 'compose-ps.json', text: JSON.stringify(await d.compose.ps().catch(() => []), null, 2) },
    ...(await configFiles(d.deployment.root)),
    ...(await serviceLogs(d)),
  ];
  const out = resolve(o.file);
  await writeTextBundle(
    out,
    'bundle',
    entries.map((e) => ({ name: e.name, text: redactText(e.text, secrets) })),
  );
  return { file: out, entries: entries.map((e) => e.name) };
}

async function versions(d: DoctorDeps): Promise<Record<string, unknown>> {
  const images = ['POSTGRES_IMAGE', 'SYNAPSE_IMAGE', 'ELEMENT_IMAGE', 'NGINX_IMAGE', 'CERTBOT_IMAGE'] as const;
  return {
    mxctl: MXCTL_VERSION,
    docker: await programVersion('docker', ['version', '--format', '{{.Server.Version}}']),
    compose: await programVersion('docker', ['compose', 'version', '--short']),
    synapse: await d.synapse.serverVersion().catch((e: unknown) => `unknown (${(e as Error).message})`),
    images: Object.fromEntries(images.map((k) => [k, d.deployment.settings[k]])),
  };
}

async function configFiles(root: string): Promise<TextEntry[]> {
  const names = [
    '.env',
    'compose/docker-compose.yml',
    'compose/docker-compose.override.yml',
    'synapse/homeserver.yaml',
    'element/config.json',
    ...(await listDir(join(root, 'synapse')).catch(() => []))
      .filter((n) => n.endsWith('.log.config') || n === 'lab.yaml')
      .map((n) => `synapse/${n}`),
    ...(await listDir(join(root, 'nginx', 'templates')).catch(() => [])).map((n) => `nginx/templates/${n}`),
  ];
  const entries: TextEntry[] = [];
  for (const c of names) {
    const text = await readTextIfExists(join(root, c));
    if (text !== undefined) entries.push({ name: `config/${c}`, text });
  }
  return entries;
}

async function serviceLogs(d: DoctorDeps): Promise<TextEntry[]> {
  const services = (await d.compose.ps().catch(() => [])).map((x) => x.service);
  return Promise.all(
    services.map(async (s) => ({
      name: `logs/${s}.log`,
      text: await d.compose.logsText(s, 300).catch((e: unknown) => `could not read: ${(e as Error).message}`),
    })),
  );
}
