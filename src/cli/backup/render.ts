// How backup and restore reports read on a terminal (--json prints the reports as they are).
import type { BackupReport } from '../../ops/backup/create.ts';
import type { Catalog } from '../../ops/backup/catalog.ts';
import type { VerifyReport } from '../../ops/backup/verify.ts';
import type { RestoreReport } from '../../ops/backup/restore.ts';
import type { PruneReport } from '../../ops/backup/prune.ts';
import type { OffsiteReport } from '../../ops/backup/offsite.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { printTable, say } from '../output.ts';

/** `backup list`: the local catalog and, when configured, what the offsite listing said. */
export interface Listing {
  catalog: Catalog;
  store: ObjectStore | undefined;
  remote?: Set<string>;
  remoteError?: string;
  now: Date;
}

/** Whether a backup is offsite too: off (none configured), unknown (the listing failed), yes, no. */
export function offsiteState(l: Listing, id: string): string {
  return l.store === undefined ? 'off' : l.remote === undefined ? 'unknown' : l.remote.has(id) ? 'yes' : 'no';
}

export function offsiteOnly(l: Listing): string[] {
  return l.remote === undefined ? [] : [...l.remote].filter((id) => !l.catalog.entries.some((e) => e.id === id)).sort();
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function age(iso: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - Date.parse(iso)) / 1000);
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export function renderBackup(r: BackupReport, offsite: OffsiteReport | string): void {
  say(
    `Backup ${r.id}: ${mib(r.archiveBytes)} (database ${mib(r.databaseBytes)}, ${r.files} files ${mib(r.fileBytes)}) in ${r.seconds.toFixed(1)} s.`,
  );
  say(`  ${r.archive}`);
  for (const w of r.warnings) say(`  warning: ${w}`);
  if (typeof offsite === 'string') say(`  offsite: ${offsite}`);
  else
    say(
      `  offsite ${offsite.target}: uploaded ${offsite.uploaded.length === 0 ? 'nothing new' : offsite.uploaded.join(', ')}`,
    );
}

export function renderList(l: Listing): void {
  const c = l.catalog;
  if (c.entries.length === 0) say(`No backups in ${c.dir}.`);
  else
    printTable(
      ['ID', 'AGE', 'SIZE', 'STATE', 'VERIFIED', 'OFFSITE'],
      c.entries.map((e) => [
        e.id,
        age(e.createdAt, l.now),
        mib(e.archiveBytes),
        e.state,
        e.verifiedAt ?? 'no',
        offsiteState(l, e.id),
      ]),
    );
  const remoteOnly = offsiteOnly(l);
  if (remoteOnly.length > 0) say(`Only offsite (${l.store?.description ?? ''}): ${remoteOnly.join(', ')}`);
  if (l.remoteError !== undefined) say(`Offsite listing failed: ${l.remoteError}`);
  if (c.orphans.length > 0) say(`Incomplete (no manifest, not backups): ${c.orphans.join(', ')}`);
}

export function renderVerify(r: VerifyReport): void {
  say(
    r.ok
      ? `Backup ${r.id} verified: ${r.files} entries and the database dump (${mib(r.databaseBytes)}) read back intact.`
      : `Backup ${r.id} FAILED verification:`,
  );
  for (const p of r.problems) say(`  - ${p}`);
}

export function renderRestore(r: RestoreReport): void {
  const reused = r.reusedMedia.files === 0 ? '' : `, ${r.reusedMedia.files} media unchanged and linked, not copied`;
  const phases = r.phases.map((p) => `${p.name.split(' ')[0] ?? ''} ${p.seconds.toFixed(0)} s`).join(', ');
  say(
    `Restored ${r.id} (${r.restoredFiles} files${reused}) in ${r.seconds.toFixed(1)} s (${phases}).${r.safetyBackup === undefined ? '' : ` Safety backup: ${r.safetyBackup}.`}`,
  );
  const none = r.noSafetyBackup;
  if (none !== undefined)
    say(
      `No safety backup: ${none.reason}.${none.savedFiles === undefined ? '' : ` The files it replaced are kept in ${none.savedFiles}.`}`,
    );
  for (const c of r.checks) say(`  [${c.ok ? 'pass' : 'FAIL'}] ${c.name}: ${c.detail}`);
}

export function renderPrune(r: PruneReport): void {
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
