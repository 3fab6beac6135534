import * as tokens from '../../ops/admin/tokens.ts';
import type { TokenView } from '../../ops/admin/tokens.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { MxError } from '../../core/errors.ts';
import { printJson, printTable, say } from '../output.ts';
import { session, sayPlanned, withPlan } from './admin-session.ts';
import type { CommonFlags } from './admin-session.ts';

function row(t: TokenView): string[] {
  return [t.token, t.uses_allowed === null ? 'unlimited' : String(t.uses_allowed), String(t.pending), String(t.completed), t.expiry_time === null ? 'never' : formatTimestamp(t.expiry_time), t.valid ? 'yes' : 'no'];
}
const HEAD = ['TOKEN', 'USES', 'PENDING', 'COMPLETED', 'EXPIRES', 'VALID'];

export async function runTokensCreate(f: CommonFlags & { uses: string; expires: string; token?: string; length?: number }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const t = await tokens.createToken(s, { uses: f.uses, expires: f.expires, ...(f.token === undefined ? {} : { token: f.token }), ...(f.length === undefined ? {} : { length: f.length }) });
  if (f.json === true) return printJson(withPlan(s, t));
  if (s.dryRun) return sayPlanned(s);
  say(t.token);
  process.stderr.write(`(uses: ${row(t)[1]}, expires: ${row(t)[4]})\n`);
}

export async function runTokensList(f: { valid?: true; invalid?: true; json?: true }, dir: string | undefined): Promise<void> {
  if (f.valid === true && f.invalid === true) throw new MxError('E_USAGE', 'Give --valid or --invalid, not both.');
  const s = await session(dir, f);
  const list = await tokens.listTokens(s, f.valid === true ? { valid: true } : f.invalid === true ? { valid: false } : {});
  if (f.json === true) return printJson(list);
  printTable(HEAD, list.map(row));
}

export async function runTokensShow(token: string, f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const t = await tokens.showToken(s, token);
  if (f.json === true) return printJson(t);
  printTable(HEAD, [row(t)]);
}

export async function runTokensUpdate(token: string, f: CommonFlags & { uses?: string; expires?: string }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const t = await tokens.updateToken(s, token, { ...(f.uses === undefined ? {} : { uses: f.uses }), ...(f.expires === undefined ? {} : { expires: f.expires }) });
  if (f.json === true) return printJson(withPlan(s, t));
  if (s.dryRun) return sayPlanned(s);
  printTable(HEAD, [row(t)]);
}

export async function runTokensDelete(token: string, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await tokens.deleteToken(s, token);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Deleted registration token ${r.token}.`);
}
