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
import type { RoomOutcome } from './room-power.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

export interface ServerAclReport {
  server: string;
  blocked: boolean;
  rooms: RoomOutcome[];
  complete: boolean;
  dryRun: boolean;
}

const ACL = 'm.room.server_acl';

export async function setServerBlocked(s: AdminSession, serverText: string, o: { block: boolean; takeOver: boolean }): Promise<ServerAclReport> {
  // NOTE: a glob such as *.spam.example is a valid ACL entry, so check it as a server name with
  // its wildcards replaced.
  const entry = serverText.trim().toLowerCase();
  parseServerName(entry.replace(/\*/g, 'x').replace(/\?/g, 'x'));
  assertNotOwnServer(entry, s.serverName);
  const { rooms: all } = await listRooms(s);
  const local = all.filter((r) => r.joined_local_members > 0);
  await approve(s, `${o.block ? 'Block' : 'Unblock'} ${entry} in the server ACL of ${local.length} room(s)?`);
  await prepareBulkWork(s);
  const rooms: RoomOutcome[] = [];
  for (const [i, room] of local.entries()) {
    s.progress(`room ${i + 1}/${local.length} ${room.room_id}`);
    rooms.push(await applyAcl(s, room.room_id, entry, o));
  }
  return { server: entry, blocked: o.block, rooms, complete: rooms.every((r) => r.result === 'changed' || r.result === 'unchanged'), dryRun: s.dryRun };
}

async function applyAcl(s: AdminSession, roomId: string, entry: string, o: { block: boolean; takeOver: boolean }): Promise<RoomOutcome> {
  try {
    const [current] = await s.reads.roomState(roomId, ACL);
    const content = current?.content as ServerAclContent | undefined;
    const change = o.block ? addDeny(content, entry) : removeDeny(content, entry);
    if (change.kind === 'unchanged') return { roomId, result: 'unchanged', detail: o.block ? 'already denied' : 'not denied' };
    const access = await ensureAdminAccess(s, roomId, { takeOver: o.takeOver, needed: (pl) => userLevel(pl, s.adminUserId) >= stateEventLevel(pl, ACL) });
    if (!access.ok) return { roomId, result: 'skipped', detail: access.reason };
    await s.writes.sendState(roomId, ACL, '', change.content);
    return { roomId, result: 'changed', detail: `deny: ${JSON.stringify(change.content.deny)}`, ...(access.tookOver ? { tookOver: true } : {}) };
  } catch (error) {
    if (!isMxError(error) || error.code === 'E_UNAUTHORIZED' || error.code === 'E_SYNAPSE_UNREACHABLE') throw error;
    return { roomId, result: 'failed', detail: error.message };
  }
}

export async function listDestinations(s: AdminSession, o: { limit?: number } = {}): Promise<{ destinations: Destination[]; total: number }> {
  const destinations: Destination[] = [];
  let from: string | undefined;
  let total: number;
  for (;;) {
    const page = await s.reads.destinations({ limit: o.limit === undefined ? 500 : Math.min(500, o.limit - destinations.length), ...(from === undefined ? {} : { from }) });
    destinations.push(...page.destinations);
    total = page.total;
    from = page.next_token;
    if (from === undefined || page.destinations.length === 0 || (o.limit !== undefined && destinations.length >= o.limit)) break;
  }
  return { destinations, total };
}

/** Clears the back-off for a destination so Synapse retries it now. */
export async function resetDestination(s: AdminSession, name: string): Promise<{ destination: string; reset: boolean; dryRun: boolean }> {
  const dest = parseServerName(name);
  if (dest === s.serverName) throw new MxError('E_INVALID_INPUT', `${dest} is this server.`);
  const d = await s.reads.destination(dest);
  if (d.retry_last_ts === 0) return { destination: dest, reset: false, dryRun: s.dryRun };
  await s.writes.resetDestination(dest);
  return { destination: dest, reset: true, dryRun: s.dryRun };
}
