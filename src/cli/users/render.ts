// How users look on a terminal: the list, one user's fields, a whois's sessions.
import { formatTimestamp } from '../../core/admin/duration.ts';
import type { UserDetails } from '../../adapters/synapse-admin.ts';
import type { UserList } from '../../ops/admin/users.ts';
import { printTable } from '../output.ts';
import { warnStopped } from '../admin-run.ts';

const yesNo = (v: unknown) => (v === true || v === 1 ? 'yes' : 'no');

export function renderUserList(r: UserList): void {
  printTable(
    ['USER', 'DISPLAY NAME', 'ADMIN', 'DEACTIVATED', 'CREATED'],
    r.users.map((u) => [
      u.name,
      u.displayname ?? '',
      yesNo(u.admin),
      yesNo(u.deactivated),
      formatTimestamp(u.creation_ts),
    ]),
  );
  process.stderr.write(`${r.users.length} of ${r.total} user(s)\n`);
  warnStopped(r);
}

export function renderUser(u: UserDetails): void {
  printTable(
    ['FIELD', 'VALUE'],
    [
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
    ],
  );
}

interface Connection {
  ip: string;
  last_seen: number;
  user_agent: string;
}

export function renderWhois(w: Record<string, unknown>): void {
  const devices = (w['devices'] ?? {}) as Record<string, { sessions?: { connections?: Connection[] }[] }>;
  const rows: string[][] = [];
  for (const [device, d] of Object.entries(devices)) {
    for (const sess of d.sessions ?? [])
      for (const c of sess.connections ?? [])
        rows.push([device || '-', c.ip, formatTimestamp(c.last_seen), c.user_agent]);
  }
  printTable(['DEVICE', 'IP', 'LAST SEEN', 'USER AGENT'], rows);
}
