// What an upgrade does with images beyond looking them up: pull one, tag one (the previous image
// kept for rollback, reference/wave2-facts.md §2e) and read a Synapse image's schema constants by
// running it once with python3 as its entrypoint (no database, no network needed).
import { parseSchemaPair } from '../core/upgrade/schema-window.ts';
import type { SchemaPair } from '../core/upgrade/schema-window.ts';
import { dockerOut } from './docker.ts';

export interface ImageTools {
  pull(ref: string): Promise<void>;
  tag(source: string, target: string): Promise<void>;
  /** SCHEMA_VERSION / SCHEMA_COMPAT_VERSION of a Synapse image (it must be here). */
  synapseSchema(ref: string): Promise<SchemaPair | undefined>;
}

const SCHEMA_PY =
  'from synapse.storage.schema import SCHEMA_VERSION, SCHEMA_COMPAT_VERSION; print(SCHEMA_VERSION, SCHEMA_COMPAT_VERSION)';

const docker = (args: string[], purpose: string, timeoutMs: number): Promise<string> =>
  dockerOut(args, purpose, { timeoutMs });

export const dockerImageTools: ImageTools = {
  async pull(ref) {
    await docker(['pull', '--quiet', ref], `pulling ${ref}`, 600_000);
  },
  async tag(source, target) {
    await docker(['tag', source, target], `tagging ${source} as ${target}`, 30_000);
  },
  async synapseSchema(ref) {
    const out = await docker(
      ['run', '--rm', '--network', 'none', '--entrypoint', 'python3', ref, '-c', SCHEMA_PY],
      `reading the schema version of ${ref}`,
      120_000,
    );
    return parseSchemaPair(out.trim().split('\n').at(-1) ?? '');
  },
};
