// Going back to the image an upgrade replaced: after a failed health gate (by itself), on
// `mxctl rollback`, and when a killed run is resumed. The previous pin goes back into .env, the
// previous image (kept under its rollback tag, so no registry is needed) is recreated, and the
// database is restored from the pre-upgrade backup only when the new version migrated it past
// what the old one can run — decided from the live database, not from the plan's forecast.
import { MxError } from '../../core/errors.ts';
import { isServiceName } from '../../core/templates/compose.ts';
import type { ServiceName } from '../../core/templates/compose.ts';
import type { JournalEntry } from '../../core/upgrade/journal.ts';
import { parseImageRef } from '../../core/upgrade/image-ref.ts';
import { canRun } from '../../core/upgrade/schema-window.ts';
import { reloadNginx } from '../certs/bootstrap.ts';
import { restoreBackup } from '../backup/restore.ts';
import type { Deps } from '../deps.ts';
import { gateService } from './gate.ts';
import type { GateResult } from './gate.ts';
import type { JournalRecorder } from './journal-file.ts';
import { writePin } from './pins.ts';

export type RollbackDeps = Pick<
  Deps,
  | 'deployment'
  | 'compose'
  | 'postgres'
  | 'cipher'
  | 'synapse'
  | 'publicHttp'
  | 'imageTools'
  | 'pgUpgradeTools'
  | 'lock'
  | 'clock'
  | 'progress'
>;

export interface RollbackOutcome {
  journalId: string;
  service: string;
  /** Back on this pin. */
  pin: string;
  databaseRestored: boolean;
  /** What the restore took away: written after the pre-upgrade backup (the honest cost). */
  lostAfterBackup: { events: number; users: number } | undefined;
  gate: GateResult;
  ok: boolean;
}

/** Takes the entry (already `rolling-back`) back to its `from` pin; ends `rolled-back` or `rollback-failed`. */
export async function rollBack(rec: JournalRecorder, d: RollbackDeps): Promise<RollbackOutcome> {
  const e = rec.entry;
  const service = serviceOf(e);
  try {
    d.progress.step(`${service}: back to ${e.from}`);
    await writePin(service, e.from, d);
    await retagPrevious(e, d);
    const restore = service === 'synapse' ? await restoreIfMigratedPast(e, d) : undefined;
    if (restore === undefined) await recreate(service, d);
    return await closeRollback(rec, await gateService(service, { tag: tagOf(e.from) }, d), restore);
  } catch (error) {
    throw await rollbackThrew(
      rec,
      `Could not roll ${service} back to ${e.from}`,
      e.backupId === undefined
        ? 'Read `mxctl logs` and `mxctl upgrade history`; `mxctl rollback` tries again.'
        : `\`mxctl rollback\` tries again; the pre-upgrade backup is ${e.backupId} (\`mxctl restore ${e.backupId}\`).`,
      error,
    );
  }
}

/** The gate after going back decides how the entry ends: rolled back, or failed (a person is needed). */
export async function closeRollback(
  rec: JournalRecorder,
  gate: GateResult,
  restored?: { events: number; users: number },
): Promise<RollbackOutcome> {
  if (gate.ok) await rec.move('rolled-back');
  else await rec.move('rollback-failed', firstFailure(gate));
  return {
    journalId: rec.entry.id,
    service: rec.entry.service,
    pin: rec.entry.from,
    databaseRestored: restored !== undefined,
    lostAfterBackup: restored,
    gate,
    ok: gate.ok,
  };
}

/** A way back that threw: recorded in the journal, and returned as the error a person must read. */
export async function rollbackThrew(
  rec: JournalRecorder,
  what: string,
  hint: string,
  error: unknown,
): Promise<MxError> {
  await rec.move('rollback-failed', (error as Error).message).catch(() => undefined);
  return new MxError('E_UPGRADE_ROLLBACK_FAILED', `${what}: ${(error as Error).message}`, { cause: error, hint });
}

/** Recreates a service on the pin .env holds now; nginx re-resolves the names it proxies to. */
export async function recreate(
  service: ServiceName,
  d: Pick<Deps, 'compose' | 'progress'>,
  o: { noDeps?: boolean } = {},
): Promise<void> {
  d.progress.step(`recreating ${service}`);
  await d.compose.up([service], { wait: false, ...(o.noDeps === true ? { noDeps: true } : {}) });
  // NOTE: nginx resolves `synapse` and `element` once, when it loads its config; a recreated
  // container may have a new address on a bridge network.
  if (service === 'synapse' || service === 'element') {
    const nginx = (await d.compose.ps()).find((x) => x.service === 'nginx');
    if (nginx?.state === 'running') await reloadNginx(d);
  }
}

/**
 * The rollback tag points at the image that ran before; the old tag may have moved since (a
 * re-pushed tag), so it is put back. A pin with a digest needs no tag: the digest is the image.
 */
export async function retagPrevious(e: JournalEntry, d: Pick<Deps, 'imageTools'>): Promise<void> {
  if (e.rollbackImage === undefined || e.from.includes('@')) return;
  await d.imageTools.tag(e.rollbackImage, e.from);
}

/** Restores the pre-upgrade backup when the old image cannot run the database as it is now. */
async function restoreIfMigratedPast(
  e: JournalEntry,
  d: RollbackDeps,
): Promise<{ events: number; users: number } | undefined> {
  const [db, old] = await Promise.all([
    d.postgres.schemaVersions(),
    d.imageTools.synapseSchema(e.rollbackImage ?? e.from),
  ]);
  if (old === undefined || canRun(old, db)) return undefined;
  if (e.backupId === undefined)
    throw new MxError(
      'E_UPGRADE_ROLLBACK_FAILED',
      `The database was migrated past ${e.from} and no pre-upgrade backup is recorded.`,
    );
  d.progress.step(
    `the database is at schema compat ${db?.compat}, above ${e.from}'s ${old.version}: restoring the pre-upgrade backup ${e.backupId}`,
  );
  const before = await counts(d);
  // NOTE: the restore keeps this machine's .env pins (now the old ones) and starts the stack on them.
  await restoreBackup({ ref: e.backupId, safetyBackup: true, checks: 'read-only' }, d);
  const after = await counts(d);
  return { events: Math.max(0, before.events - after.events), users: Math.max(0, before.users - after.users) };
}

async function counts(d: Pick<Deps, 'postgres'>): Promise<{ events: number; users: number }> {
  const out = await d.postgres.psql('SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM users);');
  const [events, users] = out.trim().split('|').map(Number);
  return { events: events ?? 0, users: users ?? 0 };
}

export function serviceOf(e: JournalEntry): ServiceName {
  if (!isServiceName(e.service))
    throw new MxError('E_CONFIG_INVALID', `The upgrade journal names an unknown service "${e.service}".`);
  return e.service;
}

export function tagOf(pin: string): string {
  const parsed = parseImageRef(pin);
  return parsed.ok ? (parsed.ref.tag ?? 'latest') : 'latest';
}

export function firstFailure(g: GateResult): string {
  const c = g.checks.find((x) => !x.ok);
  return c === undefined ? 'the health gate failed' : `${c.name}: ${c.detail}`;
}
