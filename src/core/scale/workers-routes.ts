// nginx routing of worker mode (core/templates/nginx.ts renders it into the Synapse site only
// when SYNAPSE_WORKERS is set): an upstream per worker and a map from the request path to the
// upstream, in docs/workers.md's order; a path no pattern matches goes to the main process.
import { PRESETS } from './workers-presets.ts';
import { ROUTES } from './workers-presets.ts';
import type { PresetName } from './workers-presets.ts';

export const MAIN_UPSTREAM = 'mx_synapse_main';
/** The nginx variable the Synapse location proxies to in worker mode. */
export const UPSTREAM_VARIABLE = '$mx_synapse_upstream';

const upstreamOf = (name: string): string => `mx_${name.replace(/-/g, '_')}`;

/** Upstreams and the path map, at http level before the Synapse server block. */
export function renderWorkerRouting(preset: PresetName): string {
  const workers = PRESETS[preset].workers.filter((w) => w.ports.http !== undefined);
  const upstreams = [
    `upstream ${MAIN_UPSTREAM} {\n    server synapse:8008;\n}`,
    ...workers.map((w) => `upstream ${upstreamOf(w.name)} {\n    server ${w.name}:${String(w.ports.http)};\n}`),
  ].join('\n');
  // NOTE: $uri is the normalised path, the same one location blocks match; the first regex wins.
  const entries = workers
    .map(
      (w) =>
        `    # ${w.name} (${w.kind})\n` + ROUTES[w.kind].map((r) => `    "~${r}" ${upstreamOf(w.name)};`).join('\n'),
    )
    .join('\n');
  return `# Worker mode (preset ${preset}, \`mxctl scale workers\`): endpoints per Synapse's docs/workers.md.
${upstreams}
map $uri ${UPSTREAM_VARIABLE} {
    default ${MAIN_UPSTREAM};
${entries}
}

`;
}
