// The runs of `mxctl tune …`: the host's shape (or the one asked for), the operation, its report.
import { hostShape } from '../../adapters/host.ts';
import { applyTuning, revertTuning } from '../../ops/scale/tune.ts';
import type { RevertReport, TuneReport } from '../../ops/scale/tune.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, say } from '../output.ts';

const ENGINE = ['deployment', 'compose', 'postgres', 'synapse', 'lock', 'clock', 'progress', 'approve'] as const;

export async function runTuneApply(
  f: { memory?: number; cores?: number; dryRun?: true; yes?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(ENGINE, { dir, json: f.json, yes: f.yes, dryRun: f.dryRun });
  const host = hostShape();
  const shape = { memoryBytes: f.memory ?? host.memoryBytes, cores: f.cores ?? host.cores };
  const r = await applyTuning({ host: shape, dryRun: f.dryRun === true }, d).finally(d.end);
  if (f.json === true) printJson(r);
  else renderApply(r);
}

export async function runTuneRevert(f: { yes?: true; json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const d = await buildDeps(ENGINE, { dir, json: f.json, yes: f.yes });
  const r = await revertTuning({}, d).finally(d.end);
  if (f.json === true) printJson(r);
  else renderRevert(r);
}

function renderApply(r: TuneReport): void {
  say(`Sized to ${r.host}${r.dryRun ? ' (dry run: nothing changed)' : ''}:`);
  say(`  synapse caches.global_factor: ${r.synapse.from ?? '0.5 (default)'} -> ${r.synapse.to}`);
  for (const c of r.synapse.perCache) say(`  synapse caches.per_cache_factors.${c.name}: ${c.factor} (${c.why})`);
  if (r.synapse.perCacheNote !== undefined) say(`  synapse per-cache factors: none (${r.synapse.perCacheNote})`);
  for (const c of r.postgres) say(`  postgres ${c.name}: ${c.from} -> ${c.to}${c.restart ? ' (restart)' : ''}`);
  if (r.postgres.length === 0) say('  postgres: already so');
  if (r.diff !== '') say(r.diff);
  if (!r.dryRun)
    say(
      `Applied; restarted ${r.restarted.join(', ')} in ${r.seconds.toFixed(1)} s. \`mxctl tune revert\` takes it back.`,
    );
}

function renderRevert(r: RevertReport): void {
  if (r.homeserver) say('  homeserver.yaml: put back as it was');
  for (const p of r.postgres) say(`  postgres ${p.name}: back to ${p.to}`);
  say(`Taken back; restarted ${r.restarted.join(', ')} in ${r.seconds.toFixed(1)} s.`);
}
