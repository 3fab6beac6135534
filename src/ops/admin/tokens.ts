// Registration tokens (invite-only registration): create, list, show, update, delete.
import { MxError } from '../../core/errors.ts';
import { parseExpiry } from '../../core/admin/duration.ts';
import { parseRegistrationToken } from '../../core/admin/ids.ts';
import type { RegistrationToken } from '../../adapters/synapse-admin.ts';
import type { Deps } from '../deps.ts';

export type TokensDeps = Pick<Deps, 'admin' | 'approve' | 'clock'>;

export interface TokenView extends RegistrationToken {
  /** Usable now: not expired and uses left. */
  valid: boolean;
}

export function viewToken(t: RegistrationToken, now: number): TokenView {
  const usesLeft = t.uses_allowed === null || t.pending + t.completed < t.uses_allowed;
  const notExpired = t.expiry_time === null || t.expiry_time > now;
  return { ...t, valid: usesLeft && notExpired };
}

/** "unlimited" → null; otherwise a whole number ≥ 0 (0 disables the token). */
export function parseUses(text: string): number | null {
  if (text === 'unlimited') return null;
  if (!/^\d+$/.test(text))
    throw new MxError('E_INVALID_INPUT', `--uses "${text}" is not a number of uses.`, {
      hint: 'Give a whole number (0 disables the token) or "unlimited".',
    });
  return Number(text);
}

export interface CreateTokenOptions {
  uses?: string;
  expires?: string;
  token?: string;
  length?: number;
}

/** The seed's default: one use, valid 7 days. */
export async function createToken(o: CreateTokenOptions, d: TokensDeps): Promise<TokenView> {
  const uses = parseUses(o.uses ?? '1');
  const expiry = parseExpiry(o.expires ?? '7d', d.clock.now().getTime());
  if (o.token !== undefined) parseRegistrationToken(o.token);
  if (o.length !== undefined && (o.length < 1 || o.length > 64))
    throw new MxError('E_INVALID_INPUT', '--length must be between 1 and 64.');
  const created = await d.admin.writes.createToken({
    ...(o.token === undefined ? {} : { token: o.token }),
    ...(o.length === undefined ? {} : { length: o.length }),
    uses_allowed: uses,
    expiry_time: expiry,
  });
  return viewToken(created, d.clock.now().getTime());
}

export async function listTokens(o: { valid?: boolean }, d: TokensDeps): Promise<TokenView[]> {
  const tokens = await d.admin.reads.listTokens(o.valid);
  return tokens.map((t) => viewToken(t, d.clock.now().getTime()));
}

export async function showToken(o: { token: string }, d: TokensDeps): Promise<TokenView> {
  return viewToken(await d.admin.reads.getToken(parseRegistrationToken(o.token)), d.clock.now().getTime());
}

export async function updateToken(
  o: { token: string; uses?: string; expires?: string },
  d: TokensDeps,
): Promise<TokenView> {
  const { token } = o;
  parseRegistrationToken(token);
  if (o.uses === undefined && o.expires === undefined)
    throw new MxError('E_USAGE', 'Nothing to update: give --uses and/or --expires.');
  const body = {
    ...(o.uses === undefined ? {} : { uses_allowed: parseUses(o.uses) }),
    ...(o.expires === undefined ? {} : { expiry_time: parseExpiry(o.expires, d.clock.now().getTime()) }),
  };
  const current = await d.admin.reads.getToken(token);
  return viewToken(await d.admin.writes.updateToken(token, body, current), d.clock.now().getTime());
}

export async function deleteToken(
  o: { token: string },
  d: TokensDeps,
): Promise<{ token: string; deleted: boolean; dryRun: boolean }> {
  const { token } = o;
  parseRegistrationToken(token);
  const current = await d.admin.reads.getToken(token);
  await d.approve(`Delete registration token ${current.token} (${current.completed} registration(s) so far)?`);
  await d.admin.writes.deleteToken(token);
  return { token, deleted: !d.admin.dryRun, dryRun: d.admin.dryRun };
}
