// The seed's "Suspected Abuse / Spam" response for one user: power level -1 in every room of
// theirs where the admin can set it (full read-modify-write of m.room.power_levels), their media
// quarantined, optionally the account deactivated. A per-room report says what changed.
import { MxError, isMxError } from '../../core/errors.ts';
import { setUserLevel, powerLevelsEventLevel, userLevel } from '../../core/admin/power-levels.ts';
import { localUser } from './users.ts';
import { ensureAdminAccess, prepareBulkWork } from './room-power.ts';
import type { RoomOutcome, RoomPowerDeps } from './room-power.ts';
import type { Deps } from '../deps.ts';

export type AbuseDeps = RoomPowerDeps & Pick<Deps, 'deployment'>;

export interface QuarantineOptions {
  user: string;
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

export async function quarantineUser(o: QuarantineOptions, d: AbuseDeps): Promise<QuarantineReport> {
  const userId = localUser(d, o.user);
  if (userId === d.admin.adminUserId) throw new MxError('E_INVALID_INPUT', `${userId} is mxctl's own admin account.`);
  await d.admin.reads.getUser(userId);
  const roomIds = await d.admin.reads.userJoinedRooms(userId);
  await d.approve(
    `Quarantine ${userId}: power level ${QUARANTINE_LEVEL} in ${roomIds.length} room(s)${o.keepMedia === true ? '' : ', their media quarantined'}${o.deactivate ? ', the account deactivated' : ''}?`,
  );
  await prepareBulkWork(d);
  const rooms: RoomOutcome[] = [];
  for (const [i, roomId] of roomIds.entries()) {
    d.progress.step(`room ${i + 1}/${roomIds.length} ${roomId}`);
    rooms.push(await demoteInRoom(d, roomId, userId, o.takeOver));
  }
  const mediaQuarantined = o.keepMedia === true ? null : await d.admin.writes.quarantineUserMedia(userId);
  if (o.deactivate) await d.admin.writes.deactivateUser(userId, false);
  return {
    userId,
    rooms,
    mediaQuarantined,
    deactivated: o.deactivate,
    complete: rooms.every((r) => r.result === 'changed' || r.result === 'unchanged'),
    dryRun: d.admin.dryRun,
  };
}

async function demoteInRoom(d: RoomPowerDeps, roomId: string, userId: string, takeOver: boolean): Promise<RoomOutcome> {
  try {
    const access = await ensureAdminAccess(d, roomId, {
      takeOver,
      needed: (pl) => {
        const mine = userLevel(pl, d.admin.adminUserId);
        return mine >= powerLevelsEventLevel(pl) && userLevel(pl, userId) < mine;
      },
    });
    if (!access.ok) return { roomId, result: 'skipped', detail: access.reason };
    const change = setUserLevel(access.powerLevels, {
      actor: d.admin.adminUserId,
      target: userId,
      level: QUARANTINE_LEVEL,
    });
    const took = access.tookOver ? { tookOver: true } : {};
    if (change.kind === 'unchanged')
      return { roomId, result: 'unchanged', detail: `already at ${change.before}`, ...took };
    if (change.kind === 'refused') return { roomId, result: 'skipped', detail: change.reason, ...took };
    await d.admin.writes.sendState(roomId, 'm.room.power_levels', '', change.content);
    return { roomId, result: 'changed', detail: `power ${change.before} → ${change.after}`, ...took };
  } catch (error) {
    if (!isMxError(error) || error.code === 'E_UNAUTHORIZED' || error.code === 'E_SYNAPSE_UNREACHABLE') throw error;
    return { roomId, result: 'failed', detail: error.message };
  }
}
