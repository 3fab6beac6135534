// Users: list, show, whois, deactivate, shadow-ban, suspend.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MxError, isMxError } from '../../core/errors.ts';
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

/** A password for a new account or a reset: from a file (never argv), else random (shown once). */
export async function passwordFrom(file: string | undefined): Promise<{ password: string; generated: boolean }> {
  if (file === undefined) return { password: randomBytes(18).toString('base64url'), generated: true };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MxError('E_INVALID_INPUT', `Cannot read the password file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new MxError('E_INVALID_INPUT', `The password file ${file} is empty.`);
  return { password, generated: false };
}

export interface CreateUserOptions {
  passwordFile?: string;
  displayname?: string;
  admin?: boolean;
}

export interface CreateUserReport {
  userId: string;
  admin: boolean;
  /** Only when mxctl generated it: shown once. */
  password?: string;
  dryRun: boolean;
}

export async function createUser(s: AdminSession, text: string, o: CreateUserOptions): Promise<CreateUserReport> {
  const id = localUser(s, text);
  const exists = await s.reads.getUser(id).then(
    () => true,
    (error: unknown) => {
      if (isMxError(error, 'E_NOT_FOUND')) return false;
      throw error;
    },
  );
  if (exists) throw new MxError('E_INVALID_INPUT', `${id} already exists.`, { hint: 'Use `mxctl users modify` to change it.' });
  const { password, generated } = await passwordFrom(o.passwordFile);
  await s.writes.putUser(id, { password, admin: o.admin === true, ...(o.displayname === undefined ? {} : { displayname: o.displayname }) });
  return { userId: id, admin: o.admin === true, ...(generated && !s.dryRun ? { password } : {}), dryRun: s.dryRun };
}

export interface ModifyUserOptions {
  displayname?: string;
  admin?: boolean;
  locked?: boolean;
}

export async function modifyUser(s: AdminSession, text: string, o: ModifyUserOptions): Promise<{ userId: string; changed: string[]; dryRun: boolean }> {
  const id = localUser(s, text);
  await s.reads.getUser(id);
  const changed: string[] = [];
  if (o.admin === false && id === s.adminUserId) throw new MxError('E_INVALID_INPUT', `${id} is mxctl's own admin account; removing its admin flag would lock mxctl out.`);
  const body: Record<string, unknown> = {};
  if (o.displayname !== undefined) body['displayname'] = o.displayname;
  if (o.locked !== undefined) body['locked'] = o.locked;
  if (Object.keys(body).length > 0) {
    await s.writes.putUser(id, body);
    changed.push(...Object.keys(body));
  }
  if (o.admin !== undefined) {
    await s.writes.setAdmin(id, o.admin);
    changed.push('admin');
  }
  if (changed.length === 0) throw new MxError('E_USAGE', 'Nothing to change: give --displayname, --admin/--no-admin or --lock/--unlock.');
  return { userId: id, changed, dryRun: s.dryRun };
}

export async function resetPassword(s: AdminSession, text: string, o: { passwordFile?: string; keepDevices: boolean }): Promise<{ userId: string; password?: string; loggedOut: boolean; dryRun: boolean }> {
  const id = localUser(s, text);
  await s.reads.getUser(id);
  await approve(s, `Reset the password of ${id}${o.keepDevices ? '' : ' and log out all their devices'}?`);
  const { password, generated } = await passwordFrom(o.passwordFile);
  await s.writes.resetPassword(id, password, !o.keepDevices);
  return { userId: id, ...(generated && !s.dryRun ? { password } : {}), loggedOut: !o.keepDevices, dryRun: s.dryRun };
}

export async function sendNotice(s: AdminSession, text: string, body: string): Promise<{ userId: string; eventId: string; dryRun: boolean }> {
  const id = localUser(s, text);
  if (body.trim() === '') throw new MxError('E_INVALID_INPUT', 'The notice text is empty.');
  await s.reads.getUser(id);
  return { userId: id, eventId: await s.writes.sendServerNotice(id, body), dryRun: s.dryRun };
}
