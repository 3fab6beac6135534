// `mxctl scale export kubernetes --out DIR`: values.yaml for ess-helm's matrix-stack chart and
// MIGRATION.md (core/scale/ess-values.ts, migration-guide.ts), from the deployment's own files. It
// reads and writes only DIR; the deployment is not touched, and no secret is written anywhere.
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { MxError } from '../../core/errors.ts';
import { essValues } from '../../core/scale/ess-values.ts';
import { renderMigrationGuide } from '../../core/scale/migration-guide.ts';
import { listDir, mkdir, pathExists, readText, readTextIfAny, writeFileAtomic } from '../../adapters/fs.ts';
import type { Deps } from '../deps.ts';

export type ExportDeps = Pick<Deps, 'deployment'>;

export interface ExportReport {
  target: 'kubernetes';
  out: string;
  files: string[];
  workers: Record<string, unknown>;
  withheld: string[];
  unmatchedWorkers: string[];
}

export const EXPORT_TARGETS = ['kubernetes'] as const;

export async function exportDeployment(o: { target: string; out: string }, d: ExportDeps): Promise<ExportReport> {
  if (!(EXPORT_TARGETS as readonly string[]).includes(o.target))
    throw new MxError('E_USAGE', `Unknown export target "${o.target}".`, {
      hint: `Targets: ${EXPORT_TARGETS.join(', ')}.`,
    });
  const out = resolve(o.out);
  if ((await pathExists(out)) && (await listDir(out)).length > 0)
    throw new MxError('E_DIR_NOT_EMPTY', `${out} is not empty: the export writes into an empty or new folder.`, {
      hint: 'Name a new folder with --out.',
    });
  const root = d.deployment.root;
  const homeserver = asMap(parseYaml(await readText(join(root, 'synapse', 'homeserver.yaml'))), 'homeserver.yaml');
  const elementText = await readTextIfAny(join(root, 'element', 'config.json'));
  const element = elementText === undefined ? {} : asMap(JSON.parse(elementText), 'element/config.json');
  const x = essValues({ settings: d.deployment.settings, homeserver, element, workerNames: await workerNames(root) });
  const valuesPath = join(out, 'values.yaml');
  const rel = relative(root, valuesPath);
  const guide = renderMigrationGuide({
    settings: d.deployment.settings,
    root,
    valuesPath: rel.startsWith('..') ? valuesPath : rel,
    withheld: x.withheld,
    unmatchedWorkers: x.unmatchedWorkers,
  });
  await mkdir(out, { recursive: true });
  const header = `# ess-helm matrix-stack values for ${d.deployment.settings.MX_SERVER_NAME}, written by \`mxctl scale export kubernetes\`.\n# No secret is in this file: see MIGRATION.md for the Secrets it names.\n`;
  await writeFileAtomic(valuesPath, header + stringify(x.values, { lineWidth: 0 }), 0o644);
  await writeFileAtomic(join(out, 'MIGRATION.md'), guide, 0o644);
  const synapse = x.values['synapse'] as { workers?: Record<string, unknown> };
  return {
    target: 'kubernetes',
    out,
    files: ['values.yaml', 'MIGRATION.md'],
    workers: synapse.workers ?? {},
    withheld: x.withheld,
    unmatchedWorkers: x.unmatchedWorkers,
  };
}

function asMap(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MxError('E_CONFIG_INVALID', `${what} is not a mapping.`, {
      hint: '`mxctl doctor` checks the configuration.',
    });
  return v as Record<string, unknown>;
}

/** worker_name of each synapse/workers/*.yaml (worker mode on Compose writes them), sorted. */
async function workerNames(root: string): Promise<string[]> {
  const dir = join(root, 'synapse', 'workers');
  if (!(await pathExists(dir))) return [];
  const names: string[] = [];
  for (const f of (await listDir(dir)).filter((n) => n.endsWith('.yaml')).sort()) {
    const doc = parseYaml(await readText(join(dir, f))) as { worker_name?: unknown } | null;
    if (typeof doc?.worker_name === 'string') names.push(doc.worker_name);
  }
  return names;
}
