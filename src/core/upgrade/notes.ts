// Synapse's upgrade notes: every `# Upgrading to vX.Y.Z` section of Synapse's docs/upgrade.md
// that an upgrade crosses must be read before it goes ahead (reference/wave2-facts.md §2a/§2b).
// NOTE: this is the SEED of the table, not the whole of it: this machine cannot reach GitHub, so
// it holds only the sections named in wave2-facts.md §2b. Filling it from upgrade.md (103
// sections) is work left in issue 8. Pure.
import { compareVersions, parseTagVersion } from './versions.ts';
import type { TagVersion } from './versions.ts';

export interface UpgradeNote {
  /** The Synapse version whose upgrade section this is (`1.157.0`). */
  version: string;
  summary: string;
  link: string;
}

const DOCS = 'https://element-hq.github.io/synapse/latest/upgrade.html';

function note(version: string, summary: string): UpgradeNote {
  return { version, summary, link: `${DOCS}#upgrading-to-v${version.replaceAll('.', '')}` };
}

/** Seed entries (wave2-facts.md §2b), newest first as upgrade.md orders them. */
export const SYNAPSE_UPGRADE_NOTES: readonly UpgradeNote[] = [
  note('1.157.0', 'MSC3861 auth delegation must be migrated to the stable Matrix Authentication Service integration'),
  note('1.152.0', 'workers which quarantine media must be stream writers'),
  note('1.143.0', 'PostgreSQL 13 is no longer supported'),
  note('1.141.0', 'the Docker images are now based on Debian trixie with Python 3.13'),
  note('1.136.0', 'metric labels have changed'),
];

/**
 * The notes an upgrade from `current` to `target` crosses: current < version ≤ target, oldest
 * first, minus those a validated version (MXCTL_VALIDATED_VERSION) already covers. A tag that
 * names no version crosses every note (nobody can say which it skips).
 */
export function notesCrossed(
  current: string,
  target: string,
  o: { validated?: string | undefined; notes?: readonly UpgradeNote[] } = {},
): UpgradeNote[] {
  const from = parseTagVersion(current);
  const to = parseTagVersion(target);
  const validated = o.validated === undefined || o.validated === '' ? undefined : parseTagVersion(o.validated);
  const after = (v: TagVersion, floor: TagVersion | undefined): boolean =>
    floor === undefined || compareVersions(v, floor) > 0;
  const crossed: { n: UpgradeNote; v: TagVersion }[] = [];
  for (const n of o.notes ?? SYNAPSE_UPGRADE_NOTES) {
    const v = parseTagVersion(n.version);
    if (v === undefined || !after(v, from) || !after(v, validated)) continue;
    if (to === undefined || compareVersions(v, to) <= 0) crossed.push({ n, v });
  }
  return crossed.sort((a, b) => compareVersions(a.v, b.v)).map(({ n }) => n);
}
