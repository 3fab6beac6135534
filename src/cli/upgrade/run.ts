// `mxctl upgrade`, `upgrade history` and `rollback`: flags → options, the operation, the table or JSON.
import { EXIT_CODES, MxError } from '../../core/errors.ts';
import { upgrade } from '../../ops/upgrade/apply.ts';
import type { UpgradeReport } from '../../ops/upgrade/apply.ts';
import { readJournal } from '../../ops/upgrade/journal-file.ts';
import { rollbackUpgrade } from '../../ops/upgrade/manual-rollback.ts';
import { planUpgrade } from '../../ops/upgrade/plan.ts';
import { listPostgresVolumes, removeOldVolume } from '../../ops/upgrade/postgres-volumes.ts';
import type { PlanOptions } from '../../ops/upgrade/plan.ts';
import { renderHistory, renderPlan, renderRollback, renderUpgrade, renderVolumes } from './render.ts';
import { isServiceName, SERVICES } from '../../core/templates/compose.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import { checkUpgrades } from '../../ops/upgrade/check.ts';
import type { ImageCheck, UpgradeCheckReport } from '../../ops/upgrade/check.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, printTable, say } from '../output.ts';

/** What rolling back needs (an upgrade may roll back by itself; it needs the registry besides). */
const ROLLBACK_PARTS = [
  'deployment',
  'compose',
  'postgres',
  'cipher',
  'synapse',
  'publicHttp',
  'imageTools',
  'pgUpgradeTools',
  'lock',
  'clock',
  'progress',
  'approve',
] as const;

export interface UpgradeFlags {
  check?: true;
  pre?: true;
  json?: true;
  plan?: true;
  to?: string;
  acceptNotes?: true;
  gateTimeout?: number;
  yes?: true;
}

export async function runUpgrade(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.check === true && f.plan === true)
    throw new MxError('E_USAGE', '--check and --plan are two different questions: ask one at a time.');
  if (f.plan === true) return runUpgradePlan(services, f, dir);
  if (f.check === true) return runUpgradeCheck(services, f, dir);
  return runUpgradeApply(services, f, dir);
}

function planOptions(services: readonly string[], f: UpgradeFlags): PlanOptions {
  const wanted = serviceList(services);
  return {
    ...(wanted === undefined ? {} : { services: wanted }),
    ...(f.to === undefined ? {} : { to: f.to }),
    acceptNotes: f.acceptNotes === true,
  };
}

async function runUpgradeApply(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  const o = planOptions(services, f);
  const d = await buildDeps([...ROLLBACK_PARTS, 'registry'], { dir, json: f.json, yes: f.yes });
  const report = await upgrade({ ...o, ...(f.gateTimeout === undefined ? {} : { gateTimeoutS: f.gateTimeout }) }, d);
  d.end();
  if (f.json === true) printJson(report);
  else renderUpgrade(report);
  return upgradeExit(report);
}

/** 0 healthy (or nothing to do), 17 rolled back by itself, 21 could not roll back: a person is needed. */
function upgradeExit(r: UpgradeReport): ExitStatus {
  if (r.services.some((s) => s.result === 'rollback-failed')) return EXIT_CODES.E_UPGRADE_ROLLBACK_FAILED;
  return r.ok ? 0 : EXIT_CODES.E_UPGRADE_FAILED;
}

export async function runUpgradeHistory(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const d = await buildDeps(['deployment'], { dir, json: f.json });
  const journal = await readJournal(d);
  d.end();
  if (f.json === true) printJson(journal);
  else renderHistory(journal);
}

export async function runUpgradeVolumes(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'pgUpgradeTools'], { dir, json: f.json });
  const volumes = await listPostgresVolumes(d);
  d.end();
  if (f.json === true) printJson({ volumes });
  else renderVolumes(volumes);
}

export async function runRemoveOldVolume(
  name: string,
  f: { yes?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'pgUpgradeTools', 'lock', 'clock', 'approve'], {
    dir,
    json: f.json,
    yes: f.yes,
  });
  const report = await removeOldVolume({ name }, d);
  d.end();
  if (f.json === true) printJson(report);
  else say(`Removed the volume ${report.removed}.`);
}

export async function runRollback(
  f: { to?: string; yes?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(ROLLBACK_PARTS, { dir, json: f.json, yes: f.yes });
  const report = await rollbackUpgrade(f.to === undefined ? {} : { to: f.to }, d);
  d.end();
  if (f.json === true) printJson(report);
  else renderRollback(report);
  return report.ok ? 0 : EXIT_CODES.E_UPGRADE_ROLLBACK_FAILED;
}

async function runUpgradePlan(
  services: readonly string[],
  f: UpgradeFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  const o = planOptions(services, f);
  const d = await buildDeps(
    ['deployment', 'clock', 'registry', 'imageTools', 'pgUpgradeTools', 'postgres', 'progress'],
    {
      dir,
      json: f.json,
    },
  );
  const plan = await planUpgrade(o, d);
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
      : `${r.updates} of ${r.images.length} images have an update: \`mxctl upgrade --plan\` says what an upgrade would do.`,
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
