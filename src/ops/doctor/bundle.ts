// `mxctl doctor --bundle FILE`: a support bundle an admin can hand to someone else — versions,
// status, findings, configs and the last lines of each service's log — with every secret
// replaced by REDACTED. Written 0600 anyway.
import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { redact } from '../../core/diff.ts';
import { secretValues } from '../../core/deployment-files.ts';
import { run } from '../../adapters/exec.ts';
import { writeFileAtomic, pathExists } from '../../adapters/fs.ts';
import type { StackContext } from '../context.ts';
import { readAdminState } from '../admin/state.ts';
import type { DoctorReport } from './doctor.ts';

const SECRET_NAME = /(SECRET|PASSWORD|PASSPHRASE|TOKEN|PEPPER|ACCESS_KEY|PRIVATE)/i;

/** Redacts known secret values, then any `key: value` / KEY=value whose name says secret. */
export function redactText(text: string, secrets: readonly string[]): string {
  return redact(text, secrets)
    .replace(/^(\s*[\w.-]*(?:secret|password|passphrase|token|pepper|access_key|private)[\w.-]*\s*:\s*).+$/gim, '$1REDACTED')
    .replace(/^([A-Z0-9_]+)=(.*)$/gm, (line, key: string) => (SECRET_NAME.test(key) ? `${key}=REDACTED` : line));
}

export async function writeBundle(ctx: StackContext, report: DoctorReport, file: string): Promise<{ file: string; entries: string[] }> {
  const root = ctx.deployment.root;
  const admin = await readAdminState(root).catch(() => undefined);
  const secrets = [...secretValues(ctx.deployment.settings), ...(admin === undefined ? [] : [admin.access_token, admin.password])];
  const dir = await mkdtemp(join(tmpdir(), 'mxctl-bundle-'));
  const entries: string[] = [];
  const put = async (name: string, text: string) => {
    await writeFileAtomic(join(dir, 'bundle', name), redactText(text, secrets), 0o600);
    entries.push(name);
  };
  try {
    const version = async (file: string, args: string[]) => (await run(file, args, { purpose: 'reading versions', reject: false, timeoutMs: 15_000 }).catch(() => undefined))?.stdout.trim() ?? 'unknown';
    await put('versions.json', JSON.stringify({
      mxctl: '0.1.0',
      docker: await version('docker', ['version', '--format', '{{.Server.Version}}']),
      compose: await version('docker', ['compose', 'version', '--short']),
      synapse: await ctx.synapse.serverVersion().catch((e: unknown) => `unknown (${(e as Error).message})`),
      images: Object.fromEntries(['POSTGRES_IMAGE', 'SYNAPSE_IMAGE', 'ELEMENT_IMAGE', 'NGINX_IMAGE', 'CERTBOT_IMAGE'].map((k) => [k, ctx.deployment.settings[k as 'SYNAPSE_IMAGE']])),
    }, null, 2));
    await put('doctor.json', JSON.stringify(report, null, 2));
    await put('compose-ps.json', JSON.stringify(await ctx.compose.ps().catch(() => []), null, 2));
    const configs = ['.env', 'compose/docker-compose.yml', 'compose/docker-compose.override.yml', 'synapse/homeserver.yaml', 'element/config.json',
      ...(await readdir(join(root, 'synapse')).catch(() => [])).filter((n) => n.endsWith('.log.config') || n === 'lab.yaml').map((n) => `synapse/${n}`),
      ...(await readdir(join(root, 'nginx', 'templates')).catch(() => [])).map((n) => `nginx/templates/${n}`)];
    for (const c of configs) {
      if (await pathExists(join(root, c))) await put(`config/${c}`, await readFile(join(root, c), 'utf8'));
    }
    for (const s of (await ctx.compose.ps().catch(() => [])).map((x) => x.service)) {
      await put(`logs/${s}.log`, await ctx.compose.logsText(s, 300).catch((e: unknown) => `could not read: ${(e as Error).message}`));
    }
    const out = resolve(file);
    const tarball = join(dir, 'bundle.tar.gz');
    await run('tar', ['-C', dir, '-czf', tarball, 'bundle'], { purpose: 'packing the support bundle', timeoutMs: 60_000 });
    await writeFileAtomic(out, await readFile(tarball), 0o600);
    return { file: out, entries };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
