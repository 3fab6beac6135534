// The users runs: flags → options, the op, the report.
import { definedOnly } from '../../core/defined.ts';
import * as users from '../../ops/admin/users.ts';
import { MxError } from '../../core/errors.ts';
import { printJson, say } from '../output.ts';
import { adminDeps, showChange } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';
import { renderUser, renderUserList, renderWhois } from './render.ts';

export async function runUsersList(
  f: { name?: string; deactivated?: true; admins?: true; limit?: number; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const o = {
    ...(f.name === undefined ? {} : { name: f.name }),
    ...(f.deactivated === true ? { deactivated: true } : {}),
    ...(f.admins === true ? { admins: true } : {}),
    ...(f.limit === undefined ? {} : { limit: f.limit }),
  };
  const r = await users.listUsers(o, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  renderUserList(r);
}

export async function runUsersShow(user: string, f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const u = await users.showUser({ user }, await adminDeps(dir, f));
  if (f.json === true) return printJson(u);
  renderUser(u);
}

export async function runUsersWhois(user: string, f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const w = await users.whoisUser({ user }, await adminDeps(dir, f));
  if (f.json === true) return printJson(w);
  renderWhois(w);
}

export async function runUsersDeactivate(
  user: string,
  f: AdminFlags & { erase?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await users.deactivateUser({ user, erase: f.erase === true }, d), (r) =>
    say(
      r.alreadyDeactivated && !r.erased
        ? `${r.userId} was already deactivated; nothing changed.`
        : `Deactivated ${r.userId}${r.erased ? ' and erased their data' : ''}.`,
    ),
  );
}

export async function runUsersFlag(
  flag: 'shadow-ban' | 'suspend',
  on: boolean,
  user: string,
  f: AdminFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const r =
    flag === 'shadow-ban' ? await users.setShadowBan({ user, on }, d) : await users.setSuspended({ user, on }, d);
  showChange(d, f, r, () => say(`${r.userId}: ${flag} ${on ? 'on' : 'off'}.`));
}

export async function runUsersCreate(
  user: string,
  f: AdminFlags & { passwordFile?: string; displayname?: string; admin?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const o = {
    user,
    ...definedOnly({ passwordFile: f.passwordFile, displayname: f.displayname }),
    admin: f.admin === true,
  };
  showChange(d, f, await users.createUser(o, d), (r) => {
    say(`Created ${r.userId}${r.admin ? ' (server admin)' : ''}.`);
    if (r.password !== undefined) say(`Password (shown once): ${r.password}`);
  });
}

export async function runUsersModify(
  user: string,
  f: AdminFlags & { displayname?: string; admin?: boolean; lock?: true; unlock?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.lock === true && f.unlock === true) throw new MxError('E_USAGE', 'Give --lock or --unlock, not both.');
  const d = await adminDeps(dir, f);
  const locked = f.lock === true ? true : f.unlock === true ? false : undefined;
  const o = { user, ...definedOnly({ displayname: f.displayname, admin: f.admin, locked }) };
  showChange(d, f, await users.modifyUser(o, d), (r) => say(`${r.userId}: changed ${r.changed.join(', ')}.`));
}

export async function runUsersResetPassword(
  user: string,
  f: AdminFlags & { passwordFile?: string; keepDevices?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const o = { user, ...definedOnly({ passwordFile: f.passwordFile }), keepDevices: f.keepDevices === true };
  showChange(d, f, await users.resetPassword(o, d), (r) => {
    say(`Reset the password of ${r.userId}${r.loggedOut ? '; their devices are logged out' : ''}.`);
    if (r.password !== undefined) say(`New password (shown once): ${r.password}`);
  });
}
