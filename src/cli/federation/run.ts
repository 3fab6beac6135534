// The federation runs: block/unblock a server in every room's ACL (exit 1 when a room could not be
// changed), the destinations and their back-off.
import { listDestinations, resetDestination, setServerBlocked } from '../../ops/admin/federation.ts';
import type { ServerAclReport } from '../../ops/admin/federation.ts';
import type { AdminAccess } from '../../ops/deps.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { printJson, printTable, say } from '../output.ts';
import { adminDeps, printRooms, sayPlanned, showChange, warnStopped, withPlan } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runFederationBlock(
  server: string,
  block: boolean,
  f: AdminFlags & { takeOver?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const r = await setServerBlocked({ server, block, takeOver: f.takeOver === true }, d);
  if (f.json === true) printJson(withPlan(d.admin, r));
  else renderBlock(d.admin, r);
  return r.complete ? 0 : 1;
}

function renderBlock(admin: AdminAccess, r: ServerAclReport): void {
  printRooms(r.rooms);
  if (admin.dryRun) return sayPlanned(admin);
  say(
    `${r.server} is ${r.blocked ? 'denied' : 'no longer denied'} in ${r.rooms.filter((x) => x.result !== 'skipped' && x.result !== 'failed').length} of ${r.rooms.length} room(s).`,
  );
  if (!r.complete) say('Some rooms were not changed (see above).');
}

export async function runDestinations(
  f: { limit?: number; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const r = await listDestinations(f.limit === undefined ? {} : { limit: f.limit }, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  printTable(
    ['DESTINATION', 'FAILING SINCE', 'LAST RETRY', 'RETRY INTERVAL'],
    r.destinations.map((x) => [
      x.destination,
      formatTimestamp(x.failure_ts),
      formatTimestamp(x.retry_last_ts),
      x.retry_interval === 0 ? '-' : `${Math.round(x.retry_interval / 1000)} s`,
    ]),
  );
  process.stderr.write(`${r.destinations.length} of ${r.total} destination(s)\n`);
  warnStopped(r);
}

export async function runDestinationReset(server: string, f: AdminFlags, dir: string | undefined): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await resetDestination({ server }, d), (r) =>
    say(
      r.reset ? `Cleared the back-off for ${r.destination}.` : `${r.destination} is not backed off; nothing to reset.`,
    ),
  );
}
