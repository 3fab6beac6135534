import { openStack } from '../../ops/context.ts';
import { loadDeployment } from '../../ops/deployment.ts';
import { createBackup } from '../../ops/backup/create.ts';
import { readCatalog } from '../../ops/backup/catalog.ts';
import { verifyBackup } from '../../ops/backup/verify.ts';
import { restoreBackup } from '../../ops/backup/restore.ts';
import { pruneBackups } from '../../ops/backup/prune.ts';
import type { ChecksMode } from '../../ops/backup/post-restore-checks.ts';
import { MxError, isMxError } from '../../core/errors.ts';
import { fetchOffsite, offsiteStore, syncOffsite, offsiteIds, verifyOffsite, OFFSITE_SETTINGS } from '../../ops/backup/offsite.ts';
import type { OffsiteReport } from '../../ops/backup/offsite.ts';
import { printJson, printTable, progressDisplay, say } from '../output.ts';
import { terminalConfirm } from '../prompt.ts';

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function age(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export async function runBackup(f: { localOnly?: true; json?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  const display = progressDisplay(f.json !== true);
  const show = display.step;
  // NOTE: the offsite settings are checked first: a broken RCLONE_CONFIG stops the run before it writes anything.
  const store = f.localOnly === true ? undefined : await offsiteStore(ctx.deployment);
  const r = await createBackup(ctx, { progress: show, meter: display.meter }).finally(display.end);
  let offsite: OffsiteReport | string = f.localOnly === true ? 'skipped (--local-only)' : 'not configured (S3_BUCKET and RCLONE_REMOTE are empty)';
  let failure: MxError | undefined;
  if (f.localOnly !== true && store !== undefined) {
    try {
      offsite = await syncOffsite(ctx.deployment, store, show);
    } catch (error) {
      if (!isMxError(error)) throw error;
      failure = error;
      offsite = `FAILED: ${error.message}`;
    }
  }
  if (f.json === true) printJson({ ...r, offsite });
  else {
    say(`Backup ${r.id}: ${mib(r.archiveBytes)} (database ${mib(r.databaseBytes)}, ${r.files} files ${mib(r.fileBytes)}) in ${r.seconds.toFixed(1)} s.`);
    say(`  ${r.archive}`);
    for (const w of r.warnings) say(`  warning: ${w}`);
    if (typeof offsite === 'string') say(`  offsite: ${offsite}`);
    else say(`  offsite ${offsite.target}: uploaded ${offsite.uploaded.length === 0 ? 'nothing new' : offsite.uploaded.join(', ')}`);
  }
  if (failure !== undefined) throw new MxError('E_OFFSITE_FAILED', `The local backup ${r.id} is complete, but the offsite upload failed: ${failure.message}`, { hint: failure.hint ?? 'The next run uploads what is missing.' });
}

export async function runBackupList(f: { json?: true }, dir: string | undefined): Promise<void> {
  const d = await loadDeployment({ dir });
  const c = await readCatalog(d);
  const store = await offsiteStore(d);
  let remote: Set<string> | undefined;
  let remoteError: string | undefined;
  if (store !== undefined) {
    try {
      remote = await offsiteIds(store);
    } catch (error) {
      remoteError = (error as Error).message;
    }
  }
  const offsiteOf = (id: string): string => (store === undefined ? 'off' : remote === undefined ? 'unknown' : remote.has(id) ? 'yes' : 'no');
  const remoteOnly = remote === undefined ? [] : [...remote].filter((id) => !c.entries.some((e) => e.id === id)).sort();
  if (f.json === true) {
    return printJson({
      dir: c.dir,
      offsite: store?.description ?? null,
      offsite_error: remoteError ?? null,
      backups: c.entries.map((e) => ({ id: e.id, created_at: e.createdAt, archive: e.archive, size: e.archiveBytes, state: e.state, verified_at: e.verifiedAt ?? null, offsite: offsiteOf(e.id) })),
      offsite_only: remoteOnly,
      incomplete: c.orphans,
    });
  }
  if (c.entries.length === 0) say(`No backups in ${c.dir}.`);
  else printTable(['ID', 'AGE', 'SIZE', 'STATE', 'VERIFIED', 'OFFSITE'], c.entries.map((e) => [e.id, age(e.createdAt), mib(e.archiveBytes), e.state, e.verifiedAt ?? 'no', offsiteOf(e.id)]));
  if (remoteOnly.length > 0) say(`Only offsite (${store?.description ?? ''}): ${remoteOnly.join(', ')}`);
  if (remoteError !== undefined) say(`Offsite listing failed: ${remoteError}`);
  if (c.orphans.length > 0) say(`Incomplete (no manifest, not backups): ${c.orphans.join(', ')}`);
}

export async function runBackupVerify(ref: string, f: { offsite?: true; json?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  const display = progressDisplay(f.json !== true);
  const o = { progress: display.step, meter: display.meter };
  let r;
  try {
    if (f.offsite === true) {
      const store = await offsiteStore(ctx.deployment);
      if (store === undefined) throw new MxError('E_USAGE', `--offsite needs an offsite target in .env: ${OFFSITE_SETTINGS}.`);
      r = await verifyOffsite(ctx, store, ref, o);
    } else r = await verifyBackup(ctx, ref, o);
  } finally {
    display.end();
  }
  if (f.json === true) printJson(r);
  else {
    say(r.ok ? `Backup ${r.id} verified: ${r.files} entries and the database dump (${mib(r.databaseBytes)}) read back intact.` : `Backup ${r.id} FAILED verification:`);
    for (const p of r.problems) say(`  - ${p}`);
  }
  if (!r.ok) throw new MxError('E_BACKUP_CORRUPT', `Backup ${r.id} is damaged: do not rely on it.`, { hint: 'Take a new backup (`mxctl backup`) and check the disk it lives on.' });
}

export async function runRestore(ref: string, f: { safetyBackup: boolean; checks: ChecksMode; fromOffsite?: true; yes?: true; json?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  const display = progressDisplay(f.json !== true);
  if (f.fromOffsite === true) {
    const store = await offsiteStore(ctx.deployment);
    if (store === undefined) throw new MxError('E_USAGE', `--from-offsite needs an offsite target in .env: ${OFFSITE_SETTINGS}.`);
    ref = await fetchOffsite(ctx.deployment, store, ref, display.step);
  }
  if (f.yes !== true) {
    const confirm = terminalConfirm();
    if (confirm === undefined) throw new MxError('E_USAGE', 'restore replaces the database and media: pass --yes to confirm when not on a terminal.');
    if (!(await confirm(`Replace ${ctx.deployment.settings.MX_SERVER_NAME}'s database, media and config with backup ${ref}?`))) throw new MxError('E_ABORTED', 'Restore cancelled; nothing changed.');
  }
  const r = await restoreBackup(ctx, { ref, safetyBackup: f.safetyBackup, checks: f.checks, progress: display.step, meter: display.meter }).finally(display.end);
  if (f.json === true) printJson(r);
  else {
    say(`Restored ${r.id} (${r.restoredFiles} files${r.reusedMedia.files === 0 ? '' : `, ${r.reusedMedia.files} media unchanged and linked, not copied`}) in ${r.seconds.toFixed(1)} s (${r.phases.map((p) => `${p.name.split(' ')[0] ?? ''} ${p.seconds.toFixed(0)} s`).join(', ')}).${r.safetyBackup === undefined ? '' : ` Safety backup: ${r.safetyBackup}.`}`);
    for (const c of r.checks) say(`  [${c.ok ? 'pass' : 'FAIL'}] ${c.name}: ${c.detail}`);
  }
  if (!r.ok) throw new MxError('E_CHECKS_FAILED', `The post-restore checklist failed for ${r.id}.`, { hint: r.safetyBackup === undefined ? 'See the items above.' : `See the items above; \`mxctl restore ${r.safetyBackup} --no-safety-backup --yes\` brings back the previous state.` });
}

export async function runBackupPrune(f: { keepDaily: number; keepWeekly: number; keepMonthly: number; localOnly?: true; dryRun?: true; json?: true }, dir: string | undefined): Promise<void> {
  const d = await loadDeployment({ dir });
  const store = f.localOnly === true ? undefined : await offsiteStore(d);
  const r = await pruneBackups(d, { policy: { daily: f.keepDaily, weekly: f.keepWeekly, monthly: f.keepMonthly }, dryRun: f.dryRun === true, store });
  if (f.json === true) return printJson(r);
  for (const k of r.keep) say(`keep    ${k.id}  (${k.reasons.join(', ')})`);
  for (const id of r.removed) say(`${r.dryRun ? 'would delete' : 'deleted'} ${id}`);
  for (const id of r.untouched) say(`damaged, left alone: ${id}`);
  const o = r.offsite;
  if (o === undefined) return;
  say(`offsite ${o.target}:`);
  if (o.skipped !== undefined) say(`  ${o.skipped}`);
  for (const k of o.keep) say(`  keep    ${k.id}  (${k.reasons.join(', ')})`);
  for (const id of o.removed) say(`  ${r.dryRun ? 'would delete' : 'deleted'} ${id}`);
  for (const id of o.untouched) say(`  incomplete or damaged, left alone: ${id}`);
}
