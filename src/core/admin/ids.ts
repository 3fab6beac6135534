// Matrix identifiers, checked before any request so a typo fails fast with nothing changed.
// Branded types stop a room id being passed where a user id belongs (as Draupnir does).
import { MxError } from '../errors.ts';

export type UserId = string & { readonly __brand: 'UserId' };
export type RoomId = string & { readonly __brand: 'RoomId' };
export type RoomAlias = string & { readonly __brand: 'RoomAlias' };
export type ServerName = string & { readonly __brand: 'ServerName' };

// NOTE: server names are host[:port]; host is a DNS name, IPv4 literal or [IPv6] literal (spec appendix).
const SERVER_NAME = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,255})(?::\d{1,5})?$/;
// Historical user ids may contain more than the modern grammar; anything printable but ':' is accepted.
const LOCALPART = /^[!-9;-~]+$/;

export function isServerName(text: string): boolean {
  return SERVER_NAME.test(text) && !text.startsWith('.') && !text.endsWith('.');
}

function splitSigil(text: string, sigil: string, kind: string, example: string): { local: string; server: string } {
  const t = text.trim();
  const colon = t.indexOf(':');
  const local = t.slice(1, colon);
  const server = t.slice(colon + 1);
  if (!t.startsWith(sigil) || colon < 2 || !isServerName(server) || t.length > 255) {
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a ${kind}.`, { hint: `A ${kind} looks like ${example}.` });
  }
  return { local, server };
}

export function parseUserId(text: string): UserId {
  const { local } = splitSigil(text, '@', 'user id', '@alice:example.org');
  if (!LOCALPART.test(local))
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a user id.`, {
      hint: 'A user id looks like @alice:example.org.',
    });
  return text.trim() as UserId;
}

/** "@alice:hs", or a bare "alice" completed with our server name. */
export function parseLocalUser(text: string, serverName: string): UserId {
  const t = text.trim();
  return parseUserId(t.startsWith('@') ? t : `@${t}:${serverName}`);
}

export function parseRoomId(text: string): RoomId {
  splitRoomish(text, '!', 'room id', '!abcdef:example.org');
  return text.trim() as RoomId;
}

export function parseRoomAlias(text: string): RoomAlias {
  splitRoomish(text, '#', 'room alias', '#general:example.org');
  return text.trim() as RoomAlias;
}

function splitRoomish(text: string, sigil: string, kind: string, example: string): void {
  const { local } = splitSigil(text, sigil, kind, example);
  if (/\s/.test(local))
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a ${kind}.`, { hint: `A ${kind} looks like ${example}.` });
}

/** A room id or alias as typed by the admin. */
export function parseRoomRef(text: string): RoomId | RoomAlias {
  const t = text.trim();
  if (t.startsWith('#')) return parseRoomAlias(t);
  if (t.startsWith('!')) return parseRoomId(t);
  throw new MxError('E_INVALID_INPUT', `"${text}" is neither a room id nor a room alias.`, {
    hint: 'Give !roomid:example.org or #alias:example.org (`mxctl rooms list` shows ids).',
  });
}

export function parseServerName(text: string): ServerName {
  const t = text.trim();
  if (!isServerName(t))
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a server name.`, {
      hint: 'A server name looks like example.org or matrix.example.org:8448.',
    });
  return t.toLowerCase() as ServerName;
}

export function serverOf(id: UserId | RoomId | RoomAlias): string {
  return id.slice(id.indexOf(':') + 1);
}

/** Registration token text as Synapse accepts it: ≤64 of [A-Za-z0-9._~-]. */
export function parseRegistrationToken(text: string): string {
  if (!/^[A-Za-z0-9._~-]{1,64}$/.test(text)) {
    throw new MxError('E_INVALID_INPUT', `"${text}" is not a valid registration token.`, {
      hint: 'A token is 1-64 characters of A-Z a-z 0-9 . _ ~ -',
    });
  }
  return text;
}
