// The run of `mxctl scale workers`: flags → the target (a preset or one process), the operation, its report.
import { MxError } from '../../core/errors.ts';
import { PRESETS, PRESET_NAMES, isPresetName } from '../../core/scale/workers-presets.ts';
import type { PresetName } from '../../core/scale/workers-presets.ts';
import { scaleWorkers } from '../../ops/scale/workers.ts';
import type { WorkersReport } from '../../ops/scale/workers.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, say } from '../output.ts';

const DEPS = ['deployment', 'compose', 'publicHttp', 'lock', 'clock', 'progress', 'approve'] as const;

/** The flags' target, checked before anything is read or changed. */
export function targetOf(f: { preset?: string; workers?: number }): PresetName | undefined {
  const presets = PRESET_NAMES.map((p) => `${p} (${PRESETS[p].why})`).join('; ');
  if ((f.preset === undefined) === (f.workers === undefined))
    throw new MxError('E_USAGE', 'Give either --preset NAME or --workers 0.', { hint: `Presets: ${presets}.` });
  if (f.workers !== undefined) {
    if (f.workers !== 0)
      throw new MxError('E_INVALID_INPUT', `--workers ${f.workers}: only 0 (back to one process) is supported.`, {
        hint: `A preset sets how many workers run: ${presets}.`,
      });
    return undefined;
  }
  const name = f.preset ?? '';
  if (!isPresetName(name))
    throw new MxError('E_INVALID_INPUT', `There is no worker preset '${name}'.`, { hint: `Presets: ${presets}.` });
  return name;
}

export async function runScaleWorkers(
  f: { preset?: string; workers?: number; dryRun?: true; yes?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const preset = targetOf(f);
  const d = await buildDeps(DEPS, { dir, json: f.json, yes: f.yes, dryRun: f.dryRun });
  const r = await scaleWorkers({ preset, dryRun: f.dryRun === true }, d).finally(d.end);
  if (f.json === true) printJson(r);
  else render(r);
}

function render(r: WorkersReport): void {
  if (r.files.length === 0) {
    say(`Already ${r.to === 'one process' ? 'one process' : `in worker mode (preset ${r.to})`}: nothing to change.`);
    return;
  }
  say(`${r.from} -> ${r.to}${r.dryRun ? ' (dry run: nothing changed)' : ''}:`);
  for (const f of r.files) say(`  ${f.change.padEnd(8)} ${f.path}`);
  say(r.diff);
  if (r.dryRun) return;
  say(`Workers running: ${r.workers.length === 0 ? 'none (one process)' : r.workers.join(', ')}.`);
  if (r.gate !== undefined)
    say(
      `Gate: a message through nginx arrived in /sync in ${r.gate.messageSeconds.toFixed(1)} s` +
        (r.gate.syncServedBy === undefined
          ? '.'
          : `; /sync served by ${r.gate.syncServedBy} (${r.gate.syncRequests} requests in its metrics).`),
    );
  say(`Done in ${r.seconds.toFixed(1)} s.`);
}
