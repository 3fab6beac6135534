// `mxctl upgrade`: flags → options, the operation, the table or JSON. Only --check is built.
import { MxError } from '../../core/errors.ts';
import { isServiceName, SERVICES } from '../../core/templates/compose.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import { checkUpgrades } from '../../ops/upgrade/check.ts';
import type { ImageCheck, UpgradeCheckReport } from '../../ops/upgrade/check.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, printTable, say } from '../output.ts';

export interface UpgradeFlags {
  check?: true;
  pre?: true;
  json?: true;
}

export async function runUpgradeCheck(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.check !== true) {
    // NOTE: said plainly rather than half-done: an upgrade that cannot roll back is what issue 8 exists to prevent.
    throw new MxError(
      'E_USAGE',
      'Upgrading is not implemented yet: this mxctl can only check for updates (`mxctl upgrade --check`).',
      {
        hint: 'Run `mxctl upgrade --check` to see what is newer; docs/RUNBOOK.md (Upgrades) has the manual steps.',
      },
    );
  }
  const wanted = serviceList(services);
  const d = await buildDeps(['deployment', 'clock', 'registry', 'images'], { dir, json: f.json });
  const report = await checkUpgrades(
    { ...(wanted === undefined ? {} : { services: wanted }), includePrerelease: f.pre === true },
    d,
  );
  d.end();
  if (f.json === true) printJson(report);
  else renderCheck(report);
  // NOTE: 0 whether or not updates exist: the report says which (a cron job reads `updates` in the JSON).
  return 0;
}

function serviceList(names: readonly string[]): ServiceName[] | undefined {
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (!isServiceName(name))
      throw new MxError('E_UNKNOWN_SERVICE', `Unknown service "${name}".`, {
        hint: `The services are: ${SERVICES.join(', ')}.`,
      });
  }
  return [...new Set(names as ServiceName[])];
}

function renderCheck(r: UpgradeCheckReport): void {
  printTable(
    ['SERVICE', 'PINNED', 'HERE', 'NEWEST IN REGISTRY', 'STATUS'],
    r.images.map((x) => [x.service, x.pinned, here(x), newest(x), x.status]),
  );
  for (const x of r.images) if (x.note !== undefined) say(`  ${x.service}: ${x.note}`);
  say(
    r.updates === 0
      ? 'Every image is the newest its registry offers.'
      : `${r.updates} of ${r.images.length} images have an update (mxctl cannot apply it yet: see docs/RUNBOOK.md, Upgrades).`,
  );
}

function here(x: ImageCheck): string {
  if (x.pinnedDigest !== undefined) return `pinned ${short(x.pinnedDigest)}`;
  if (x.localDigest !== undefined) return short(x.localDigest);
  return x.localImageId === undefined ? 'not pulled' : `built here (id ${short(x.localImageId)})`;
}

function newest(x: ImageCheck): string {
  if (x.newest === undefined)
    return x.registryDigest === undefined ? '—' : `${x.tag ?? 'latest'} ${short(x.registryDigest)}`;
  return `${x.newest.tag} ${short(x.newest.digest)} (${x.newest.kind})`;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
