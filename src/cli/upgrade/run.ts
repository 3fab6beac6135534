// `mxctl upgrade`: flags → options, the operation, the table or JSON. --check and --plan are built.
import { EXIT_CODES, MxError } from '../../core/errors.ts';
import { planUpgrade } from '../../ops/upgrade/plan.ts';
import { renderPlan } from './render.ts';
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
  plan?: true;
  to?: string;
  acceptNotes?: true;
}

export async function runUpgrade(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.plan === true) return runUpgradePlan(services, f, dir);
  return runUpgradeCheck(services, f, dir);
}

async function runUpgradePlan(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  const wanted = serviceList(services);
  const d = await buildDeps(['deployment', 'clock', 'registry', 'imageTools', 'postgres', 'progress'], {
    dir,
    json: f.json,
  });
  const plan = await planUpgrade(
    {
      ...(wanted === undefined ? {} : { services: wanted }),
      ...(f.to === undefined ? {} : { to: f.to }),
      acceptNotes: f.acceptNotes === true,
    },
    d,
  );
  d.end();
  if (f.json === true) printJson(plan);
  else renderPlan(plan);
  // NOTE: a plan that would be refused exits 18, so a script can test it before it upgrades.
  return plan.ok ? 0 : EXIT_CODES.E_UPGRADE_REFUSED;
}

async function runUpgradeCheck(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.check !== true) {
    // NOTE: said plainly rather than half-done: an upgrade that cannot roll back is what issue 8 exists to prevent.
    throw new MxError(
      'E_USAGE',
      'Applying an upgrade is not implemented yet: this mxctl can check for updates (`--check`) and plan one (`--plan`).',
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
