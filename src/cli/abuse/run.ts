// The abuse run: quarantine a user; exit 1 when some room could not be changed.
import { quarantineUser } from '../../ops/admin/abuse.ts';
import type { QuarantineReport } from '../../ops/admin/abuse.ts';
import type { AdminAccess } from '../../ops/deps.ts';
import { printJson, say } from '../output.ts';
import { adminDeps, printRooms, sayPlanned, withPlan } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runAbuseQuarantine(
  user: string,
  f: AdminFlags & { deactivate?: true; takeOver?: true; keepMedia?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const r = await quarantineUser(
    { user, deactivate: f.deactivate === true, takeOver: f.takeOver === true, keepMedia: f.keepMedia === true },
    d,
  );
  if (f.json === true) printJson(withPlan(d.admin, r));
  else renderQuarantine(d.admin, r);
  return r.complete ? 0 : 1;
}

function renderQuarantine(admin: AdminAccess, r: QuarantineReport): void {
  printRooms(r.rooms);
  if (admin.dryRun) return sayPlanned(admin);
  say(
    `${r.userId}: power -1 in ${r.rooms.filter((x) => x.result === 'changed').length} room(s)${r.mediaQuarantined === null ? '' : `, ${r.mediaQuarantined} media quarantined`}${r.deactivated ? ', deactivated' : ''}.`,
  );
  if (!r.complete) say('Some rooms were not changed (see above).');
}
