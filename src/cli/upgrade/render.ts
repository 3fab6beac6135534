// What `mxctl upgrade` (--plan, applied, history) and `mxctl rollback` print for people.
import type { Journal } from '../../core/upgrade/journal.ts';
import type { ResumedOutcome, UpgradeReport } from '../../ops/upgrade/apply.ts';
import type { RollbackReport } from '../../ops/upgrade/manual-rollback.ts';
import type { UpgradePlan } from '../../ops/upgrade/plan.ts';
import type { RollbackOutcome } from '../../ops/upgrade/rollback.ts';
import type { PostgresVolume } from '../../ops/upgrade/postgres-volumes.ts';
import { printTable, say } from '../output.ts';

export function renderPlan(p: UpgradePlan): void {
  printTable(
    ['SERVICE', 'NOW', 'TARGET', 'DIGEST'],
    p.services.map((s) => [s.service, s.from, s.toTag, s.toDigest.replace(/^sha256:/, '').slice(0, 12)]),
  );
  for (const s of p.services) {
    const w = s.schema?.window;
    if (s.schema !== undefined)
      say(
        `  ${s.service} schema: database ${pair(s.schema.db)}, now ${pair(s.schema.current)}, target ${pair(s.schema.target)}` +
          (w?.ok === true ? ` — ${w.summary}` : ''),
      );
    for (const n of s.notes) say(`  note ${n.version}: ${n.summary} (${n.link})`);
    if (s.postgresMajor !== undefined)
      say(
        `  postgres ${s.postgresMajor.from} → ${s.postgresMajor.to}: a dump and load into a new volume; Synapse is stopped meanwhile (downtime); the old volume is kept`,
      );
  }
  if (p.upToDate.length > 0) say(`Nothing newer for: ${p.upToDate.join(', ')}.`);
  say(
    `Background updates queued: ${p.backgroundUpdates}. Disk for the backup: ~${mb(p.disk.needBytes)} of ${mb(p.disk.freeBytes)} free.`,
  );
  if (p.ok) say('The upgrade may go ahead. Nothing was changed.');
  else for (const b of p.blockers) say(`BLOCKED ${b}`);
}

function pair(x: { version: number; compat: number } | undefined): string {
  return x === undefined ? '—' : `${x.version}/${x.compat}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function renderUpgrade(r: UpgradeReport): void {
  renderResumed(r.resumed);
  if (r.services.length === 0) {
    say(
      r.plan.services.length === 0
        ? 'Nothing to upgrade: every image is the newest its registry offers.'
        : 'Nothing was upgraded.',
    );
    return;
  }
  say(`Pre-upgrade backup: ${r.backupId ?? '—'} (verified, ${r.backupSeconds?.toFixed(1) ?? '?'} s).`);
  printTable(
    ['SERVICE', 'FROM', 'TO', 'RESULT', 'UNAVAILABLE'],
    r.services.map((s) => [
      s.service,
      s.from,
      s.to,
      s.result,
      s.clientApiUnavailableSeconds === undefined ? '—' : `${s.clientApiUnavailableSeconds} s`,
    ]),
  );
  for (const s of r.services) {
    say(
      `  ${s.service}: ${s.phases.map((p) => `${p.name.replace(`${s.service}: `, '')} ${p.seconds.toFixed(1)} s`).join(', ')}`,
    );
    if (s.postgres !== undefined) {
      const m = s.postgres.move;
      say(
        `  PostgreSQL ${m.fromMajor} → ${m.toMajor}: ${m.fromVolume} → ${m.toVolume}` +
          (s.postgres.load === undefined
            ? ''
            : `; ${s.postgres.load.tables} tables, ${s.postgres.load.rows} rows, counts equal`),
      );
      if (s.result === 'healthy')
        say(
          `  The old cluster is kept in ${s.postgres.keptVolume}: \`mxctl upgrade remove-old-volume ${s.postgres.keptVolume}\` deletes it.`,
        );
    }
    for (const c of s.gate?.checks ?? []) say(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    if (s.rollback !== undefined) renderRollbackOutcome(s.rollback);
  }
  const skipped = r.plan.services.length - r.services.length;
  if (skipped > 0)
    say(`${skipped} service(s) of the plan were not started: the run stops at the first that does not come through.`);
  say(r.ok ? `Upgraded in ${r.seconds.toFixed(0)} s.` : 'The upgrade did not go through: see above.');
}

export function renderRollback(r: RollbackReport): void {
  renderResumed(r.resumed);
  if (r.rollback !== undefined) renderRollbackOutcome(r.rollback);
}

function renderResumed(x: ResumedOutcome | undefined): void {
  if (x !== undefined)
    say(`Finished ${x.journalId} (${x.service}), which a run left at "${x.foundPhase}": now ${x.phase}.`);
}

function renderRollbackOutcome(x: RollbackOutcome): void {
  say(`${x.service} ${x.ok ? 'rolled back' : 'could NOT be rolled back'} to ${x.pin}.`);
  if (x.databaseRestored)
    say(
      `  The database was restored from the pre-upgrade backup: ${x.lostAfterBackup?.events ?? 0} event(s) and ` +
        `${x.lostAfterBackup?.users ?? 0} user(s) written after it are gone.`,
    );
  else say('  The database was kept as it was (the previous version runs it): nothing was lost.');
  for (const c of x.gate.checks) say(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
}

export function renderHistory(j: Journal): void {
  if (j.entries.length === 0) {
    say('No upgrades yet.');
    return;
  }
  printTable(
    ['ID', 'SERVICE', 'FROM', 'TO', 'PHASE', 'AT'],
    j.entries.map((e) => [e.id, e.service, e.from, e.to, e.phase, e.steps.at(-1)?.at ?? '']),
  );
  for (const e of j.entries) if (e.error !== undefined) say(`  ${e.id}: ${e.error}`);
}

export function renderVolumes(volumes: readonly PostgresVolume[]): void {
  printTable(
    ['VOLUME', 'ROLE', 'POSTGRES', 'UPGRADE', 'EXISTS'],
    volumes.map((v) => [
      v.name,
      v.role,
      v.major === undefined ? '—' : String(v.major),
      v.journalId ?? '—',
      v.exists ? 'yes' : 'NO',
    ]),
  );
}
