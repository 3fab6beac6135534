import * as users from '../../ops/admin/users.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { MxError } from '../../core/errors.ts';
import { printJson, printTable, say } from '../output.ts';
import { session, sayPlanned, withPlan } from './admin-session.ts';
import type { CommonFlags } from './admin-session.ts';

const yesNo = (v: unknown) => (v === true || v === 1 ? 'yes' : 'no');

export async function runUsersList(f: { name?: string; deactivated?: true; admins?: true; limit?: number; json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await users.listUsers(s, {
    ...(f.name === undefined ? {} : { name: f.name }),
    ...(f.deactivated === true ? { deactivated: true } : {}),
    ...(f.admins === true ? { admins: true } : {}),
    ...(f.limit === undefined ? {} : { limit: f.limit }),
  });
  if (f.json === true) return printJson(r);
  printTable(
    ['USER', 'DISPLAY NAME', 'ADMIN', 'DEACTIVATED', 'CREATED'],
    r.users.map((u) => [u.name, u.displayname ?? '', yesNo(u.admin), yesNo(u.deactivated), formatTimestamp(u.creation_ts)]),
  );
  process.stderr.write(`${r.users.length} of ${r.total} user(s)\n`);
}

export async function runUsersShow(user: string, f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const u = await users.showUser(s, user);
  if (f.json === true) return printJson(u);
  printTable(['FIELD', 'VALUE'], [
    ['user', u.name],
    ['display name', u.displayname ?? ''],
    ['admin', yesNo(u.admin)],
    ['deactivated', yesNo(u.deactivated)],
    ['erased', yesNo(u.erased)],
    ['shadow-banned', yesNo(u.shadow_banned)],
    ['suspended', yesNo(u.suspended)],
    ['locked', yesNo(u.locked)],
    ['user type', u.user_type ?? ''],
    // NOTE: this endpoint gives creation_ts in seconds (the list gives ms).
    ['created', formatTimestamp((u.creation_ts ?? 0) * 1000)],
    ['last seen', formatTimestamp(u.last_seen_ts)],
  ]);
}

interface Connection {
  ip: string;
  last_seen: number;
  user_agent: string;
}

export async function runUsersWhois(user: string, f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const w = await users.whoisUser(s, user);
  if (f.json === true) return printJson(w);
  const devices = (w['devices'] ?? {}) as Record<string, { sessions?: { connections?: Connection[] }[] }>;
  const rows: string[][] = [];
  for (const [device, d] of Object.entries(devices)) {
    for (const sess of d.sessions ?? []) for (const c of sess.connections ?? []) rows.push([device || '-', c.ip, formatTimestamp(c.last_seen), c.user_agent]);
  }
  printTable(['DEVICE', 'IP', 'LAST SEEN', 'USER AGENT'], rows);
}

export async function runUsersDeactivate(user: string, f: CommonFlags & { erase?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await users.deactivateUser(s, user, { erase: f.erase === true });
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(r.alreadyDeactivated && !r.erased ? `${r.userId} was already deactivated; nothing changed.` : `Deactivated ${r.userId}${r.erased ? ' and erased their data' : ''}.`);
}

export async function runUsersFlag(flag: 'shadow-ban' | 'suspend', on: boolean, user: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = flag === 'shadow-ban' ? await users.setShadowBan(s, user, on) : await users.setSuspended(s, user, on);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`${r.userId}: ${flag} ${on ? 'on' : 'off'}.`);
}

export async function runBackgroundUpdates(f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await s.reads.backgroundUpdates();
  if (f.json === true) return printJson(r);
  const running = Object.entries(r.current_updates);
  say(`Background updates: ${r.enabled ? 'enabled' : 'PAUSED'}; ${running.length === 0 ? 'none running (idle)' : `${running.length} running`}.`);
  if (running.length > 0) printTable(['DATABASE', 'UPDATE', 'ITEMS', 'ITEMS/MS'], running.map(([db, u]) => [db, u.name, String(u.total_item_count), u.average_items_per_ms.toFixed(2)]));
}

export async function runUsersCreate(user: string, f: CommonFlags & { passwordFile?: string; displayname?: string; admin?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await users.createUser(s, user, { ...(f.passwordFile === undefined ? {} : { passwordFile: f.passwordFile }), ...(f.displayname === undefined ? {} : { displayname: f.displayname }), admin: f.admin === true });
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Created ${r.userId}${r.admin ? ' (server admin)' : ''}.`);
  if (r.password !== undefined) say(`Password (shown once): ${r.password}`);
}

export async function runUsersModify(user: string, f: CommonFlags & { displayname?: string; admin?: boolean; lock?: true; unlock?: true }, dir: string | undefined): Promise<void> {
  if (f.lock === true && f.unlock === true) throw new MxError('E_USAGE', 'Give --lock or --unlock, not both.');
  const s = await session(dir, f);
  const r = await users.modifyUser(s, user, {
    ...(f.displayname === undefined ? {} : { displayname: f.displayname }),
    ...(f.admin === undefined ? {} : { admin: f.admin }),
    ...(f.lock === true ? { locked: true } : f.unlock === true ? { locked: false } : {}),
  });
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`${r.userId}: changed ${r.changed.join(', ')}.`);
}

export async function runUsersResetPassword(user: string, f: CommonFlags & { passwordFile?: string; keepDevices?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await users.resetPassword(s, user, { ...(f.passwordFile === undefined ? {} : { passwordFile: f.passwordFile }), keepDevices: f.keepDevices === true });
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Reset the password of ${r.userId}${r.loggedOut ? '; their devices are logged out' : ''}.`);
  if (r.password !== undefined) say(`New password (shown once): ${r.password}`);
}

export async function runNoticeSend(user: string, text: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await users.sendNotice(s, user, text);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Sent a server notice to ${r.userId} (${r.eventId}).`);
}
