// m.room.server_acl is a full-state event too. "allow" defaults to [] — which denies every
// server, our own included — so a written ACL always keeps an allow list, ["*"] if there was none.
import { MxError } from '../errors.ts';

export interface ServerAclContent {
  allow?: string[];
  deny?: string[];
  allow_ip_literals?: boolean;
  [key: string]: unknown;
}

export type AclChange = { kind: 'change'; content: ServerAclContent } | { kind: 'unchanged' };

/** Server ACL glob: `*` any run of characters, `?` one character, case-insensitive (spec). */
export function aclGlobMatches(glob: string, serverName: string): boolean {
  const host = serverName.replace(/:\d+$/, '');
  const re = new RegExp(
    `^${glob
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')))
      .join('')}$`,
    'i',
  );
  return re.test(host);
}

/** Refuses an entry that would lock our own server out of its rooms. */
export function assertNotOwnServer(entry: string, ownServerName: string): void {
  if (aclGlobMatches(entry, ownServerName)) {
    throw new MxError(
      'E_INVALID_INPUT',
      `"${entry}" matches this server's own name (${ownServerName}); blocking it would lock us out of every room.`,
      {
        hint: 'Name the other server, e.g. spam.example.',
      },
    );
  }
}

function withAllow(content: ServerAclContent | undefined): ServerAclContent {
  const copy: ServerAclContent = structuredClone(content ?? {});
  if (!Array.isArray(copy.allow) || copy.allow.length === 0) copy.allow = ['*'];
  if (!Array.isArray(copy.deny)) copy.deny = [];
  if (typeof copy.allow_ip_literals !== 'boolean') copy.allow_ip_literals = true;
  return copy;
}

export function addDeny(content: ServerAclContent | undefined, entry: string): AclChange {
  const deny = content?.deny ?? [];
  if (deny.includes(entry) && content?.allow !== undefined && content.allow.length > 0) return { kind: 'unchanged' };
  const copy = withAllow(content);
  if (!copy.deny?.includes(entry)) copy.deny = [...(copy.deny ?? []), entry];
  return { kind: 'change', content: copy };
}

export function removeDeny(content: ServerAclContent | undefined, entry: string): AclChange {
  if (content === undefined || !(content.deny ?? []).includes(entry)) return { kind: 'unchanged' };
  const copy = withAllow(content);
  copy.deny = (copy.deny ?? []).filter((d) => d !== entry);
  return { kind: 'change', content: copy };
}
