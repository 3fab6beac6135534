// The seed's "Suspected Abuse / Spam" response for one user: power level -1 in every room of
// theirs where the admin can set it (full read-modify-write of m.room.power_levels), their media
// quarantined, optionally the account deactivated. A per-room report says what changed.
import { MxError, isMxError } from '../../core/errors.ts';
import { setUserLevel, powerLevelsEventLevel, userLevel } from '../../core/admin/power-levels.ts';
import { localUser } from './users.ts';
import { ensureAdminAccess, prepareBulkWork } from './room-power.ts';
import type { RoomOutcome } from './room-power.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

export interface QuarantineOptions {
  deactivate: boolean;
  takeOver: boolean;
  /** Skip the media quarantine. */
  keepMedia?: boolean;
}

export interface QuarantineReport {
  userId: string;
  rooms: RoomOutcome[];
  mediaQuarantined: number | null;
  deactivated: boolean;
  /** Every room was handled (changed or already at -1). */
  complete: boolean;
  dryRun: boolean;
}

export const QUARANTINE_LEVEL = -1;

export async function quarantineUser(s: AdminSession, text: string, o: QuarantineOptions): Promise<QuarantineReport> {
  const userId = localUser(s, text);
  if (userId === s.adminUserId) throw new MxError('E_INVALID_INPUT', `${userId} is mxctl's own admin account.`);
  await s.reads.getUser(userId);
  const roomIds = await s.reads.userJoinedRooms(userId);
  await approve(
    s,
    `Quarantine ${userId}: power level ${QUARANTINE_LEVEL} in ${roomIds.length} room(s)${o.keepMedia === true ? '' : ', their media quarantined'}${o.deactivate ? ', the account deactivated' : ''}?`,
  );
  await prepareBulkWork(s);
  const rooms: RoomOutcome[] = [];
  for (const [i, roomId] of roomIds.entries()) {
    s.progress(`room ${i + 1}/${roomIds.length} ${roomId}`);
    rooms.push(await demoteInRoom(s, roomId, userId, o.takeOver));
  }
  const mediaQuarantined = o.keepMedia === true ? null : await s.writes.quarantineUserMedia(userId);
  if (o.deactivate) await s.writes.deactivateUser(userId, false);
  return {
    userId,
    rooms,
    mediaQuarantined,
    deactivated: o.deactivate,
    complete: rooms.every((r) => r.result === 'changed' || r.result === 'unchanged'),
    dryRun: s.dryRun,
  };
}

async function demoteInRoom(s: AdminSession, roomId: string, userId: string, takeOver: boolean): Promise<RoomOutcome> {
  try {
    const access = await ensureAdminAccess(s, roomId, {
      takeOver,
      needed: (pl) => {
        const mine = userLevel(pl, s.adminUserId);
        return mine >= powerLevelsEventLevel(pl) && userLevel(pl, userId) < mine;
      },
    });
    if (!access.ok) return { roomId, result: 'skipped', detail: access.reason };
    const change = setUserLevel(access.powerLevels, { actor: s.adminUserId, target: userId, level: QUARANTINE_LEVEL });
    const took = access.tookOver ? { tookOver: true } : {};
    if (change.kind === 'unchanged') return { roomId, result: 'unchanged', detail: `already at ${change.before}`, ...took };
    if (change.kind === 'refused') return { roomId, result: 'skipped', detail: change.reason, ...took };
    await s.writes.sendState(roomId, 'm.room.power_levels', '', change.content);
    return { roomId, result: 'changed', detail: `power ${change.before} → ${change.after}`, ...took };
  } catch (error) {
    if (!isMxError(error) || error.code === 'E_UNAUTHORIZED' || error.code === 'E_SYNAPSE_UNREACHABLE') throw error;
    return { roomId, result: 'failed', detail: error.message };
  }
}
