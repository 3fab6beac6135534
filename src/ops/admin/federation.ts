// Blocking a server: Synapse has no domain denylist (only federation_domain_whitelist), so the
// block is an m.room.server_acl in every room this server takes part in, keeping "allow": ["*"].
import { MxError, isMxError } from '../../core/errors.ts';
import type { Destination } from '../../adapters/synapse-admin.ts';
import { parseServerName } from '../../core/admin/ids.ts';
import { addDeny, assertNotOwnServer, removeDeny } from '../../core/admin/server-acl.ts';
import type { ServerAclContent } from '../../core/admin/server-acl.ts';
import { stateEventLevel, userLevel } from '../../core/admin/power-levels.ts';
import { listRooms } from './rooms.ts';
import { ensureAdminAccess, prepareBulkWork } from './room-power.ts';
import type { RoomOutcome, RoomPowerDeps } from './room-power.ts';
import { serverNameOf } from './users.ts';
import type { Deps } from '../deps.ts';

export type FederationDeps = RoomPowerDeps & Pick<Deps, 'deployment'>;

export interface ServerAclReport {
  server: string;
  blocked: boolean;
  rooms: RoomOutcome[];
  complete: boolean;
  dryRun: boolean;
}

const ACL = 'm.room.server_acl';

export async function setServerBlocked(
  o: { server: string; block: boolean; takeOver: boolean },
  d: FederationDeps,
): Promise<ServerAclReport> {
  // NOTE: a glob such as *.spam.example is a valid ACL entry, so check it as a server name with
  // its wildcards replaced.
  const entry = o.server.trim().toLowerCase();
  parseServerName(entry.replace(/\*/g, 'x').replace(/\?/g, 'x'));
  assertNotOwnServer(entry, serverNameOf(d));
  const { rooms: all } = await listRooms({}, d);
  const local = all.filter((r) => r.joined_local_members > 0);
  await d.approve(`${o.block ? 'Block' : 'Unblock'} ${entry} in the server ACL of ${local.length} room(s)?`);
  await prepareBulkWork(d);
  const rooms: RoomOutcome[] = [];
  for (const [i, room] of local.entries()) {
    d.progress.step(`room ${i + 1}/${local.length} ${room.room_id}`);
    rooms.push(await applyAcl(d, room.room_id, entry, o));
  }
  return {
    server: entry,
    blocked: o.block,
    rooms,
    complete: rooms.every((r) => r.result === 'changed' || r.result === 'unchanged'),
    dryRun: d.admin.dryRun,
  };
}

async function applyAcl(
  d: RoomPowerDeps,
  roomId: string,
  entry: string,
  o: { block: boolean; takeOver: boolean },
): Promise<RoomOutcome> {
  try {
    const [current] = await d.admin.reads.roomState(roomId, ACL);
    const content = current?.content as ServerAclContent | undefined;
    const change = o.block ? addDeny(content, entry) : removeDeny(content, entry);
    if (change.kind === 'unchanged')
      return { roomId, result: 'unchanged', detail: o.block ? 'already denied' : 'not denied' };
    const access = await ensureAdminAccess(d, roomId, {
      takeOver: o.takeOver,
      needed: (pl) => userLevel(pl, d.admin.adminUserId) >= stateEventLevel(pl, ACL),
    });
    if (!access.ok) return { roomId, result: 'skipped', detail: access.reason };
    await d.admin.writes.sendState(roomId, ACL, '', change.content);
    return {
      roomId,
      result: 'changed',
      detail: `deny: ${JSON.stringify(change.content.deny)}`,
      ...(access.tookOver ? { tookOver: true } : {}),
    };
  } catch (error) {
    if (!isMxError(error) || error.code === 'E_UNAUTHORIZED' || error.code === 'E_SYNAPSE_UNREACHABLE') throw error;
    return { roomId, result: 'failed', detail: error.message };
  }
}

export interface DestinationList {
  destinations: Destination[];
  total: number;
  stopped?: string;
}

export async function listDestinations(
  o: { limit?: number },
  d: Pick<Deps, 'admin' | 'progress'>,
): Promise<DestinationList> {
  const r = await d.admin.reads.destinations({ limit: o.limit, progress: d.progress.step });
  return { destinations: r.items, total: r.total, ...(r.stopped === undefined ? {} : { stopped: r.stopped }) };
}

/** Clears the back-off for a destination so Synapse retries it now. */
export async function resetDestination(
  o: { server: string },
  d: FederationDeps,
): Promise<{ destination: string; reset: boolean; dryRun: boolean }> {
  const dest = parseServerName(o.server);
  if (dest === serverNameOf(d)) throw new MxError('E_INVALID_INPUT', `${dest} is this server.`);
  const current = await d.admin.reads.destination(dest);
  if (current.retry_last_ts === 0) return { destination: dest, reset: false, dryRun: d.admin.dryRun };
  await d.admin.writes.resetDestination(dest);
  return { destination: dest, reset: true, dryRun: d.admin.dryRun };
}
