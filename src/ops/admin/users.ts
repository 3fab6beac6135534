// Users: list, show, whois, deactivate, shadow-ban, suspend.
import { randomBytes } from 'node:crypto';
import { readText } from '../../adapters/fs.ts';
import { MxError, isMxError } from '../../core/errors.ts';
import { parseLocalUser, serverOf } from '../../core/admin/ids.ts';
import type { UserId } from '../../core/admin/ids.ts';
import type { UserDetails, UserListEntry } from '../../adapters/synapse-admin.ts';
import type { Deps } from '../deps.ts';

/** What the user commands use: the deployment (its server name), the admin API, consent. */
export type UsersDeps = Pick<Deps, 'deployment' | 'admin' | 'approve' | 'progress'>;

/** This deployment's Matrix server name. */
export function serverNameOf(d: Pick<Deps, 'deployment'>): string {
  return d.deployment.settings.MX_SERVER_NAME;
}

/** A user id for a local user, with a clear error for a remote one. */
export function localUser(d: Pick<Deps, 'deployment'>, text: string): UserId {
  const server = serverNameOf(d);
  const id = parseLocalUser(text, server);
  if (serverOf(id) !== server) {
    throw new MxError('E_INVALID_INPUT', `${id} is not a user of this server (${server}).`, {
      hint: 'Only local users can be managed here.',
    });
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

export interface UserList {
  users: UserListEntry[];
  total: number;
  /** Set when the walk over the pages was stopped early (a misbehaving server). */
  stopped?: string;
}

export async function listUsers(o: ListUsersOptions, d: Pick<UsersDeps, 'admin' | 'progress'>): Promise<UserList> {
  const filter = {
    ...(o.name === undefined ? {} : { name: o.name }),
    ...(o.deactivated === undefined ? {} : { deactivated: o.deactivated }),
    ...(o.admins === undefined ? {} : { admins: o.admins }),
    ...(o.guests === undefined ? {} : { guests: o.guests }),
  };
  const r = await d.admin.reads.listUsers(filter, { limit: o.limit, progress: d.progress.step });
  return { users: r.items, total: r.total, ...(r.stopped === undefined ? {} : { stopped: r.stopped }) };
}

export async function showUser(o: { user: string }, d: Pick<UsersDeps, 'deployment' | 'admin'>): Promise<UserDetails> {
  return d.admin.reads.getUser(parseLocalUser(o.user, serverNameOf(d)));
}

export async function whoisUser(
  o: { user: string },
  d: Pick<UsersDeps, 'deployment' | 'admin'>,
): Promise<Record<string, unknown>> {
  const id = localUser(d, o.user);
  await d.admin.reads.getUser(id);
  return d.admin.reads.whois(id);
}

export interface DeactivateReport {
  userId: string;
  erased: boolean;
  alreadyDeactivated: boolean;
  dryRun: boolean;
}

export async function deactivateUser(o: { user: string; erase: boolean }, d: UsersDeps): Promise<DeactivateReport> {
  const id = localUser(d, o.user);
  if (id === d.admin.adminUserId)
    throw new MxError('E_INVALID_INPUT', `${id} is mxctl's own admin account; deactivating it would lock mxctl out.`);
  const user = await d.admin.reads.getUser(id);
  const already = user.deactivated === true || user.deactivated === 1;
  if (already && !o.erase) return { userId: id, erased: false, alreadyDeactivated: true, dryRun: d.admin.dryRun };
  await d.approve(
    `Deactivate ${id}${o.erase ? ' and erase their messages for new joiners (GDPR erasure)' : ''}? This cannot be undone`,
  );
  await d.admin.writes.deactivateUser(id, o.erase);
  return { userId: id, erased: o.erase, alreadyDeactivated: already, dryRun: d.admin.dryRun };
}

export async function setShadowBan(
  o: { user: string; on: boolean },
  d: UsersDeps,
): Promise<{ userId: string; shadowBanned: boolean; dryRun: boolean }> {
  const { on } = o;
  const id = localUser(d, o.user);
  await d.admin.reads.getUser(id);
  if (on) await d.approve(`Shadow-ban ${id} (their messages silently go nowhere)?`);
  await d.admin.writes.shadowBan(id, on);
  return { userId: id, shadowBanned: on, dryRun: d.admin.dryRun };
}

export async function setSuspended(
  o: { user: string; on: boolean },
  d: UsersDeps,
): Promise<{ userId: string; suspended: boolean; dryRun: boolean }> {
  const { on } = o;
  const id = localUser(d, o.user);
  await d.admin.reads.getUser(id);
  if (on) await d.approve(`Suspend ${id} (read-only: cannot send, join or invite)?`);
  await d.admin.writes.suspend(id, on);
  return { userId: id, suspended: on, dryRun: d.admin.dryRun };
}

/** A password for a new account or a reset: from a file (never argv), else random (shown once). */
export async function passwordFrom(file: string | undefined): Promise<{ password: string; generated: boolean }> {
  if (file === undefined) return { password: randomBytes(18).toString('base64url'), generated: true };
  let text: string;
  try {
    text = await readText(file);
  } catch (error) {
    throw new MxError(
      'E_INVALID_INPUT',
      `Cannot read the password file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new MxError('E_INVALID_INPUT', `The password file ${file} is empty.`);
  return { password, generated: false };
}

export interface CreateUserOptions {
  user: string;
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

export async function createUser(o: CreateUserOptions, d: UsersDeps): Promise<CreateUserReport> {
  const id = localUser(d, o.user);
  const exists = await d.admin.reads.getUser(id).then(
    () => true,
    (error: unknown) => {
      if (isMxError(error, 'E_NOT_FOUND')) return false;
      throw error;
    },
  );
  if (exists)
    throw new MxError('E_INVALID_INPUT', `${id} already exists.`, { hint: 'Use `mxctl users modify` to change it.' });
  const { password, generated } = await passwordFrom(o.passwordFile);
  await d.admin.writes.putUser(id, {
    password,
    admin: o.admin === true,
    ...(o.displayname === undefined ? {} : { displayname: o.displayname }),
  });
  return {
    userId: id,
    admin: o.admin === true,
    ...(generated && !d.admin.dryRun ? { password } : {}),
    dryRun: d.admin.dryRun,
  };
}

export interface ModifyUserOptions {
  user: string;
  displayname?: string;
  admin?: boolean;
  locked?: boolean;
}

export async function modifyUser(
  o: ModifyUserOptions,
  d: UsersDeps,
): Promise<{ userId: string; changed: string[]; dryRun: boolean }> {
  const id = localUser(d, o.user);
  await d.admin.reads.getUser(id);
  const changed: string[] = [];
  if (o.admin === false && id === d.admin.adminUserId)
    throw new MxError(
      'E_INVALID_INPUT',
      `${id} is mxctl's own admin account; removing its admin flag would lock mxctl out.`,
    );
  const body: Record<string, unknown> = {};
  if (o.displayname !== undefined) body['displayname'] = o.displayname;
  if (o.locked !== undefined) body['locked'] = o.locked;
  if (Object.keys(body).length > 0) {
    await d.admin.writes.putUser(id, body);
    changed.push(...Object.keys(body));
  }
  if (o.admin !== undefined) {
    await d.admin.writes.setAdmin(id, o.admin);
    changed.push('admin');
  }
  if (changed.length === 0)
    throw new MxError('E_USAGE', 'Nothing to change: give --displayname, --admin/--no-admin or --lock/--unlock.');
  return { userId: id, changed, dryRun: d.admin.dryRun };
}

export async function resetPassword(
  o: { user: string; passwordFile?: string; keepDevices: boolean },
  d: UsersDeps,
): Promise<{ userId: string; password?: string; loggedOut: boolean; dryRun: boolean }> {
  const id = localUser(d, o.user);
  await d.admin.reads.getUser(id);
  await d.approve(`Reset the password of ${id}${o.keepDevices ? '' : ' and log out all their devices'}?`);
  const { password, generated } = await passwordFrom(o.passwordFile);
  await d.admin.writes.resetPassword(id, password, !o.keepDevices);
  return {
    userId: id,
    ...(generated && !d.admin.dryRun ? { password } : {}),
    loggedOut: !o.keepDevices,
    dryRun: d.admin.dryRun,
  };
}

export async function sendNotice(
  o: { user: string; text: string },
  d: UsersDeps,
): Promise<{ userId: string; eventId: string; dryRun: boolean }> {
  const id = localUser(d, o.user);
  const body = o.text;
  if (body.trim() === '') throw new MxError('E_INVALID_INPUT', 'The notice text is empty.');
  await d.admin.reads.getUser(id);
  return { userId: id, eventId: await d.admin.writes.sendServerNotice(id, body), dryRun: d.admin.dryRun };
}
