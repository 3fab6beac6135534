// Worker mode's lines in .env, and the BEGIN/END markers every file worker mode edits uses: going
// back to one process removes the marked lines and leaves the file byte for byte as it was.
import { PRESETS } from './workers-presets.ts';
import type { PresetName } from './workers-presets.ts';

export const BEGIN = '# BEGIN mxctl scale workers';
export const END = '# END mxctl scale workers';
export const WORKERS_COMPOSE_FILE = 'docker-compose.workers.yml';
export const WORKERS_PROFILE = 'workers';

/** COMPOSE_FILE in worker mode. It replaces compose's own lookup of an override file, so one there (the lab's) is listed. */
export function composeFileFor(hasOverride: boolean): string {
  return ['docker-compose.yml', WORKERS_COMPOSE_FILE, ...(hasOverride ? ['docker-compose.override.yml'] : [])].join(
    ':',
  );
}

/**
 * The compose profiles worker mode switches on: Redis's, and one per worker of the preset. NOTE:
 * a profile per worker, not one for all: a file that defines every preset's workers (the lab's
 * override) then starts only the ones this preset runs.
 */
export function profilesFor(preset: PresetName, monitor = false): string {
  return [WORKERS_PROFILE, ...PRESETS[preset].workers.map((w) => w.name), ...(monitor ? ['monitor'] : [])].join(',');
}

export interface EnvBlockInput {
  preset: PresetName;
  redisImage: string;
  composeFile: string;
  /** The monitor's compose service is on: its profile stays in the list this block sets. */
  monitor?: boolean;
}

/** The .env lines that switch worker mode on (compose reads COMPOSE_FILE and COMPOSE_PROFILES from .env). */
export function renderEnvBlock(e: EnvBlockInput): string {
  return `${BEGIN} (preset ${e.preset}): \`mxctl scale workers --workers 0\` removes this block.
SYNAPSE_WORKERS=${e.preset}
REDIS_IMAGE=${e.redisImage}
COMPOSE_FILE=${e.composeFile}
COMPOSE_PROFILES=${profilesFor(e.preset, e.monitor === true)}
${END}
`;
}

export function withEnvBlock(env: string, e: EnvBlockInput): string {
  const base = withoutWorkerBlocks(env);
  return `${base}${base.endsWith('\n') || base === '' ? '' : '\n'}${renderEnvBlock(e)}`;
}

/** A text (homeserver.yaml, .env) with every BEGIN..END block removed, marker lines included. */
export function withoutWorkerBlocks(text: string): string {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!inside && t.startsWith(BEGIN)) inside = true;
    else if (inside && t === END) inside = false;
    else if (!inside) out.push(line);
  }
  return out.join('\n');
}
