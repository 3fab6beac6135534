// The runs of `mxctl scale …`: deps, the operation, its report as a table or JSON.
import { hostShape } from '../../adapters/host.ts';
import { scaleCheck } from '../../ops/scale/check.ts';
import { exportDeployment } from '../../ops/scale/export.ts';
import type { SignalId } from '../../core/scale/triggers.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, say } from '../output.ts';
import { renderScaleCheck } from './render.ts';

const ENGINE = ['deployment', 'compose', 'postgres', 'synapse', 'lock', 'clock', 'progress', 'approve'] as const;

export async function runScaleCheck(
  f: { window: number; threshold?: Partial<Record<SignalId, number>>; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(ENGINE, { dir, json: f.json, dryRun: true });
  const r = await scaleCheck(
    { windowMs: f.window, host: hostShape(), ...(f.threshold === undefined ? {} : { thresholds: f.threshold }) },
    d,
  ).finally(d.end);
  if (f.json === true) printJson(r);
  else renderScaleCheck(r);
  return r.exitCode;
}

export async function runScaleExport(
  target: string,
  f: { out: string; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(['deployment'], { dir, json: f.json });
  const r = await exportDeployment({ target, out: f.out }, d).finally(d.end);
  if (f.json === true) return printJson(r);
  say(`Wrote ${r.files.map((x) => `${r.out}/${x}`).join(' and ')} (no secret in either).`);
  say(`Workers: ${Object.keys(r.workers).length === 0 ? 'none (one process)' : Object.keys(r.workers).join(', ')}`);
  if (r.withheld.length > 0) say(`Left out (secrets; MIGRATION.md says how): ${r.withheld.join(', ')}`);
  say('Next: read MIGRATION.md; it runs kubectl and helm against your cluster, step by step.');
}
