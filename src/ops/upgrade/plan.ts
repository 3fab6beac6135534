// `mxctl upgrade --plan`: what an upgrade would do, and whether it may go ahead. Per service the
// pin now and the target (tag and registry digest); for Synapse the schema window (the target
// image's constants against the database's), the upgrade notes crossed, the background updates
// still queued; for PostgreSQL, whether it is a major upgrade (a dump and load, with downtime);
// and the disk room for the pre-upgrade backup. Changes nothing in the deployment
// (the target Synapse image is pulled to read its constants: Docker's cache is not the deployment).
import { MxError } from '../../core/errors.ts';
import { SERVICES } from '../../core/templates/compose.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import { formatImageRef, parseImageRef, withTag } from '../../core/upgrade/image-ref.ts';
import type { ImageRef } from '../../core/upgrade/image-ref.ts';
import { notesCrossed } from '../../core/upgrade/notes.ts';
import type { UpgradeNote } from '../../core/upgrade/notes.ts';
import { judgeSchemaWindow } from '../../core/upgrade/schema-window.ts';
import type { SchemaPair, SchemaWindow } from '../../core/upgrade/schema-window.ts';
import { newerTags } from '../../core/upgrade/versions.ts';
import { majorOfTag, postgresVolume } from '../../core/upgrade/postgres-major.ts';
import { sqlLiteral } from '../../adapters/postgres.ts';
import { diskUsage, readTextIfExists } from '../../adapters/fs.ts';
import { join } from 'node:path';
import { backupDir } from '../backup/location.ts';
import type { Deps } from '../deps.ts';
import { imageSetting } from './check.ts';

export interface PlanOptions {
  services?: readonly ServiceName[];
  /** The target tag (default: the newest stable tag of the pin's shape). */
  to?: string;
  acceptNotes?: boolean;
}

export type PlanDeps = Pick<
  Deps,
  'deployment' | 'clock' | 'registry' | 'imageTools' | 'pgUpgradeTools' | 'postgres' | 'progress'
>;

export interface SchemaCheck {
  db: SchemaPair | undefined;
  current: SchemaPair | undefined;
  target: SchemaPair | undefined;
  window: SchemaWindow | undefined;
}

export interface ServicePlan {
  service: ServiceName;
  setting: string;
  from: string;
  /** The target pin as .env will hold it: `repo:tag@sha256:…`. */
  to: string;
  toTag: string;
  toDigest: string;
  schema: SchemaCheck | undefined;
  notes: UpgradeNote[];
  /**
   * PostgreSQL to another major version: a dump and load into a new volume with Synapse stopped
   * (ops/upgrade/postgres-major.ts), not a recreate. Undefined for every other upgrade.
   */
  postgresMajor: { from: number; to: number } | undefined;
  /** Why this service may not be upgraded now; empty = it may. */
  blockers: string[];
}

export interface UpgradePlan {
  deployment: string;
  plannedAt: string;
  services: ServicePlan[];
  /** Services with nothing newer (no --to given). */
  upToDate: ServiceName[];
  backgroundUpdates: number;
  disk: { path: string; needBytes: number; freeBytes: number };
  blockers: string[];
  ok: boolean;
}

export async function planUpgrade(o: PlanOptions, d: PlanDeps): Promise<UpgradePlan> {
  const plannedAt = d.clock.now().toISOString();
  const wanted = o.services ?? SERVICES;
  const upToDate: ServiceName[] = [];
  const services: ServicePlan[] = [];
  for (const service of wanted) {
    const target = await targetOf(service, o.to, d);
    if (target === undefined) upToDate.push(service);
    else services.push(await planService(service, target, o, d));
  }
  const backgroundUpdates = services.some((s) => s.service === 'synapse') ? await queuedUpdates(d) : 0;
  const disk = await diskRoom(d);
  const blockers = [
    ...services.flatMap((s) => s.blockers.map((b) => `${s.service}: ${b}`)),
    ...(backgroundUpdates > 0
      ? [`${backgroundUpdates} Synapse background update(s) still queued: wait until they finish (--wait)`]
      : []),
    ...(disk.needBytes > disk.freeBytes
      ? [
          `not enough disk for the pre-upgrade backup in ${disk.path} (need ~${mb(disk.needBytes)}, free ${mb(disk.freeBytes)})`,
        ]
      : []),
  ];
  return {
    deployment: d.deployment.root,
    plannedAt,
    services,
    upToDate,
    backgroundUpdates,
    disk,
    blockers,
    ok: blockers.length === 0,
  };
}

function pinOf(service: ServiceName, d: Pick<Deps, 'deployment'>): ImageRef {
  const setting = imageSetting(service);
  const parsed = parseImageRef(d.deployment.settings[setting]);
  if (!parsed.ok)
    throw new MxError('E_CONFIG_INVALID', `${setting} in .env: ${parsed.problem}.`, {
      hint: 'Fix the image pin in .env, then run this again.',
    });
  return parsed.ref;
}

/** The target tag and its digest, or undefined when nothing is newer and no --to was given. */
async function targetOf(
  service: ServiceName,
  to: string | undefined,
  d: PlanDeps,
): Promise<{ ref: ImageRef; digest: string } | undefined> {
  const pin = pinOf(service, d);
  const tags = await d.registry.listTags(pin);
  // NOTE: without --to, PostgreSQL stays within its major: a major upgrade means downtime and a
  // new volume, so it happens only when asked by name (`upgrade postgres --to 18`); --check shows it.
  const offered = pin.tag === undefined ? [] : newerTags(pin.tag, tags);
  const within = service === 'postgres' ? offered.filter((t) => majorOfTag(t.tag) === majorOfTag(pin.tag)) : offered;
  const tag = to ?? within.at(-1)?.tag;
  if (tag === undefined) return undefined;
  if (!tags.includes(tag))
    throw new MxError(
      'E_UPGRADE_REFUSED',
      `The registry has no tag "${tag}" for ${formatImageRef({ ...pin, tag: undefined, digest: undefined })}.`,
      {
        hint: 'Run `mxctl upgrade --check` to see the tags it offers. Nothing was changed.',
      },
    );
  const ref = { ...withTag(pin, tag), digest: undefined };
  const digest = await d.registry.manifestDigest(ref);
  // NOTE: the pin already names this image (an upgrade that finished, or a resumed one): nothing to do.
  if (tag === pin.tag && (pin.digest === undefined || pin.digest === digest)) return undefined;
  return { ref, digest };
}

async function planService(
  service: ServiceName,
  target: { ref: ImageRef; digest: string },
  o: PlanOptions,
  d: PlanDeps,
): Promise<ServicePlan> {
  const pin = pinOf(service, d);
  const toTag = target.ref.tag ?? 'latest';
  const tagged = formatImageRef(target.ref);
  const blockers: string[] = [];
  let schema: SchemaCheck | undefined;
  let notes: UpgradeNote[] = [];
  const postgresMajor = service === 'postgres' ? majorChange(pin.tag, toTag) : undefined;
  if (postgresMajor !== undefined) blockers.push(...(await majorBlockers(postgresMajor, d)));
  if (service === 'synapse') {
    schema = await schemaCheck(d.deployment.settings.SYNAPSE_IMAGE, tagged, d);
    if (schema.window?.ok === false) blockers.push(`refused: ${schema.window.reason}`);
    if (schema.window === undefined) blockers.push('could not read the schema versions of the images');
    notes = notesCrossed(pin.tag ?? 'latest', toTag, { validated: d.deployment.settings.MXCTL_VALIDATED_VERSION });
    if (notes.length > 0 && o.acceptNotes !== true)
      blockers.push(
        `${notes.length} upgrade note(s) to read first (then --accept-notes, or MXCTL_VALIDATED_VERSION=${toTag} in .env)`,
      );
  }
  return {
    service,
    setting: imageSetting(service),
    from: d.deployment.settings[imageSetting(service)],
    to: `${tagged}@${target.digest}`,
    toTag,
    toDigest: target.digest,
    schema,
    notes,
    postgresMajor,
    blockers,
  };
}

/** The two majors when the first version number changes (PostgreSQL's on-disk format does), else undefined. */
function majorChange(from: string | undefined, to: string): { from: number; to: number } | undefined {
  const a = majorOfTag(from);
  const b = majorOfTag(to);
  return a !== undefined && b !== undefined && a !== b ? { from: a, to: b } : undefined;
}

/**
 * What stops a PostgreSQL major upgrade before it starts: a downgrade; databases besides
 * Synapse's, which mxctl does not carry across (they would stay behind in the old volume); too
 * little room beside the old volume for the new one (the same size again, and some).
 */
async function majorBlockers(m: { from: number; to: number }, d: PlanDeps): Promise<string[]> {
  const out: string[] = [];
  if (m.to < m.from)
    out.push(
      `PostgreSQL ${m.from} → ${m.to} is a downgrade: a cluster cannot be moved to an older major (restore a backup made on ${m.to} instead)`,
    );
  const s = d.deployment.settings;
  // NOTE: a deployment written before major upgrades existed has a compose file that ignores
  // POSTGRES_VOLUME: the switch would put the new image on the old volume.
  const compose = await readTextIfExists(join(d.deployment.composeDir, 'docker-compose.yml'));
  if (compose?.includes('${POSTGRES_VOLUME') !== true)
    out.push(
      "compose/docker-compose.yml predates PostgreSQL major upgrades (it does not read POSTGRES_VOLUME): re-run `mxctl init` with this deployment's options to re-render it (it shows the diff first)",
    );
  const others = (
    await d.postgres.psql(
      `SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('postgres', ${sqlLiteral(s.POSTGRES_DB)}) ORDER BY 1;`,
    )
  )
    .split('\n')
    .filter((x) => x.trim() !== '');
  if (others.length > 0)
    out.push(
      `the cluster holds databases besides ${s.POSTGRES_DB} (${others.join(', ')}): a major upgrade carries only Synapse's; move them elsewhere first`,
    );
  const info = await d.pgUpgradeTools.volumeInfo(postgresVolume(s));
  if (info?.mountpoint !== undefined) {
    const free = (await diskUsage(info.mountpoint).catch(() => undefined))?.freeBytes;
    const need = Math.ceil(
      Number((await d.postgres.psql('SELECT sum(pg_database_size(datname)) FROM pg_database;')).trim()) * 1.2,
    );
    if (free !== undefined && need > free)
      out.push(`not enough disk for the new volume beside ${info.name} (need ~${mb(need)}, free ${mb(free)})`);
  }
  return out;
}

async function schemaCheck(current: string, target: string, d: PlanDeps): Promise<SchemaCheck> {
  d.progress.step(`pulling ${target} to read its schema version`);
  await d.imageTools.pull(target);
  const [db, cur, tgt] = await Promise.all([
    d.postgres.schemaVersions(),
    d.imageTools.synapseSchema(current),
    d.imageTools.synapseSchema(target),
  ]);
  const window =
    cur === undefined || tgt === undefined ? undefined : judgeSchemaWindow({ db, current: cur, target: tgt });
  return { db, current: cur, target: tgt, window };
}

async function queuedUpdates(d: Pick<Deps, 'postgres'>): Promise<number> {
  const out = await d.postgres.psql('SELECT count(*) FROM background_updates;');
  return Number(out.trim()) || 0;
}

async function diskRoom(d: Pick<Deps, 'deployment' | 'postgres'>): Promise<UpgradePlan['disk']> {
  const path = backupDir(d.deployment);
  // NOTE: the database's size stands in for the backup's (media not counted yet: issue 8, left).
  const dbBytes = Number((await d.postgres.psql('SELECT pg_database_size(current_database());')).trim()) || 0;
  const usage = await diskUsage(path).catch(() => diskUsage(d.deployment.root));
  return { path, needBytes: Math.ceil(dbBytes * 1.2), freeBytes: usage.freeBytes };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
