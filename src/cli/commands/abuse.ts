import { quarantineUser } from '../../ops/admin/abuse.ts';
import { listDestinations, resetDestination, setServerBlocked } from '../../ops/admin/federation.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import type { RoomOutcome } from '../../ops/admin/room-power.ts';
import { printJson, printTable, say } from '../output.ts';
import { session, sayPlanned, withPlan } from './admin-session.ts';
import type { CommonFlags } from './admin-session.ts';

function printRooms(rooms: readonly RoomOutcome[]): void {
  printTable(['ROOM', 'RESULT', 'DETAIL'], rooms.map((r) => [r.roomId, r.result + (r.tookOver === true ? ' (took over)' : ''), r.detail]));
}

export async function runAbuseQuarantine(user: string, f: CommonFlags & { deactivate?: true; takeOver?: true; keepMedia?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await quarantineUser(s, user, { deactivate: f.deactivate === true, takeOver: f.takeOver === true, keepMedia: f.keepMedia === true });
  if (!r.complete) process.exitCode = 1;
  if (f.json === true) return printJson(withPlan(s, r));
  printRooms(r.rooms);
  if (s.dryRun) return sayPlanned(s);
  say(`${r.userId}: power -1 in ${r.rooms.filter((x) => x.result === 'changed').length} room(s)${r.mediaQuarantined === null ? '' : `, ${r.mediaQuarantined} media quarantined`}${r.deactivated ? ', deactivated' : ''}.`);
  if (!r.complete) say('Some rooms were not changed (see above).');
}

export async function runFederationBlock(server: string, block: boolean, f: CommonFlags & { takeOver?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await setServerBlocked(s, server, { block, takeOver: f.takeOver === true });
  if (!r.complete) process.exitCode = 1;
  if (f.json === true) return printJson(withPlan(s, r));
  printRooms(r.rooms);
  if (s.dryRun) return sayPlanned(s);
  say(`${r.server} is ${block ? 'denied' : 'no longer denied'} in ${r.rooms.filter((x) => x.result !== 'skipped' && x.result !== 'failed').length} of ${r.rooms.length} room(s).`);
  if (!r.complete) say('Some rooms were not changed (see above).');
}

export async function runDestinations(f: { limit?: number; json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await listDestinations(s, f.limit === undefined ? {} : { limit: f.limit });
  if (f.json === true) return printJson(r);
  printTable(['DESTINATION', 'FAILING SINCE', 'LAST RETRY', 'RETRY INTERVAL'], r.destinations.map((d) => [d.destination, formatTimestamp(d.failure_ts), formatTimestamp(d.retry_last_ts), d.retry_interval === 0 ? '-' : `${Math.round(d.retry_interval / 1000)} s`]));
  process.stderr.write(`${r.destinations.length} of ${r.total} destination(s)\n`);
}

export async function runDestinationReset(server: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await resetDestination(s, server);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(r.reset ? `Cleared the back-off for ${r.destination}.` : `${r.destination} is not backed off; nothing to reset.`);
}
