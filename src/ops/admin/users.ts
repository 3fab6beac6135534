// Users: list, show, whois, deactivate, shadow-ban, suspend.
import { MxError } from '../../core/errors.ts';
import { parseLocalUser, serverOf } from '../../core/admin/ids.ts';
import type { UserId } from '../../core/admin/ids.ts';
import type { UserDetails, UserListEntry } from '../../adapters/synapse-admin.ts';
import { approve } from './session.ts';
import type { AdminSession } from './session.ts';

/** A user id for a local user, with a clear error for a remote one. */
export function localUser(s: AdminSession, text: string): UserId {
  const id = parseLocalUser(text, s.serverName);
  if (serverOf(id) !== s.serverName) {
    throw new MxError('E_INVALID_INPUT', `${id} is not a user of this server (${s.serverName}).`, { hint: 'Only local users can be managed here.' });
  }
  return id;
}

export interface ListUsersOptions {
  limit?: number;
  name?: string;
  deactivated?: boolean;
  admins?: boolean;
  guests?: boolean;
}

export async function listUsers(s: AdminSession, o: ListUsersOptions = {}): Promise<{ users: UserListEntry[]; total: number }> {
  const users: UserListEntry[] = [];
  let from: string | undefined;
  let total: number;
  for (;;) {
    const pageSize = o.limit === undefined ? 500 : Math.min(500, o.limit - users.length);
    const page = await s.reads.listUsers({
      limit: pageSize,
      ...(from === undefined ? {} : { from }),
      ...(o.name === undefined ? {} : { name: o.name }),
      ...(o.deactivated === undefined ? {} : { deactivated: o.deactivated }),
      ...(o.admins === undefined ? {} : { admins: o.admins }),
      ...(o.guests === undefined ? {} : { guests: o.guests }),
    });
    users.push(...page.users);
    total = page.total;
    from = page.next_token;
    if (from === undefined || (o.limit !== undefined && users.length >= o.limit)) break;
    s.progress(`users: ${users.length} of ${total}`);
  }
  return { users, total };
}

export async function showUser(s: AdminSession, text: string): Promise<UserDetails> {
  return s.reads.getUser(parseLocalUser(text, s.serverName));
}

export async function whoisUser(s: AdminSession, text: string): Promise<Record<string, unknown>> {
  const id = localUser(s, text);
  await s.reads.getUser(id);
  return s.reads.whois(id);
}

export interface DeactivateReport {
  userId: string;
  erased: boolean;
  alreadyDeactivated: boolean;
  dryRun: boolean;
}

export async function deactivateUser(s: AdminSession, text: string, o: { erase: boolean }): Promise<DeactivateReport> {
  const id = localUser(s, text);
  if (id === s.adminUserId) throw new MxError('E_INVALID_INPUT', `${id} is mxctl's own admin account; deactivating it would lock mxctl out.`);
  const user = await s.reads.getUser(id);
  const already = user.deactivated === true || user.deactivated === 1;
  if (already && !o.erase) return { userId: id, erased: false, alreadyDeactivated: true, dryRun: s.dryRun };
  await approve(s, `Deactivate ${id}${o.erase ? ' and erase their messages for new joiners (GDPR erasure)' : ''}? This cannot be undone`);
  await s.writes.deactivateUser(id, o.erase);
  return { userId: id, erased: o.erase, alreadyDeactivated: already, dryRun: s.dryRun };
}

export async function setShadowBan(s: AdminSession, text: string, on: boolean): Promise<{ userId: string; shadowBanned: boolean; dryRun: boolean }> {
  const id = localUser(s, text);
  await s.reads.getUser(id);
  if (on) await approve(s, `Shadow-ban ${id} (their messages silently go nowhere)?`);
  await s.writes.shadowBan(id, on);
  return { userId: id, shadowBanned: on, dryRun: s.dryRun };
}

export async function setSuspended(s: AdminSession, text: string, on: boolean): Promise<{ userId: string; suspended: boolean; dryRun: boolean }> {
  const id = localUser(s, text);
  await s.reads.getUser(id);
  if (on) await approve(s, `Suspend ${id} (read-only: cannot send, join or invite)?`);
  await s.writes.suspend(id, on);
  return { userId: id, suspended: on, dryRun: s.dryRun };
}
