// The plan of `mxctl upgrade --plan` for people.
import type { UpgradePlan } from '../../ops/upgrade/plan.ts';
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
