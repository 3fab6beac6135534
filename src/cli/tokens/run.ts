// The tokens runs: flags → options, the op, the report.
import * as tokens from '../../ops/admin/tokens.ts';
import type { TokenView } from '../../ops/admin/tokens.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { MxError } from '../../core/errors.ts';
import { printJson, printTable, say } from '../output.ts';
import { adminDeps, showChange } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

function row(t: TokenView): string[] {
  return [
    t.token,
    t.uses_allowed === null ? 'unlimited' : String(t.uses_allowed),
    String(t.pending),
    String(t.completed),
    t.expiry_time === null ? 'never' : formatTimestamp(t.expiry_time),
    t.valid ? 'yes' : 'no',
  ];
}
const HEAD = ['TOKEN', 'USES', 'PENDING', 'COMPLETED', 'EXPIRES', 'VALID'];

export async function runTokensCreate(
  f: AdminFlags & { uses: string; expires: string; token?: string; length?: number },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const t = await tokens.createToken(
    {
      uses: f.uses,
      expires: f.expires,
      ...(f.token === undefined ? {} : { token: f.token }),
      ...(f.length === undefined ? {} : { length: f.length }),
    },
    d,
  );
  showChange(d, f, t, () => {
    say(t.token);
    process.stderr.write(`(uses: ${row(t)[1]}, expires: ${row(t)[4]})\n`);
  });
}

export async function runTokensList(
  f: { valid?: true; invalid?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  if (f.valid === true && f.invalid === true) throw new MxError('E_USAGE', 'Give --valid or --invalid, not both.');
  const list = await tokens.listTokens(
    f.valid === true ? { valid: true } : f.invalid === true ? { valid: false } : {},
    await adminDeps(dir, f),
  );
  if (f.json === true) return printJson(list);
  printTable(HEAD, list.map(row));
}

export async function runTokensShow(token: string, f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const t = await tokens.showToken({ token }, await adminDeps(dir, f));
  if (f.json === true) return printJson(t);
  printTable(HEAD, [row(t)]);
}

export async function runTokensUpdate(
  token: string,
  f: AdminFlags & { uses?: string; expires?: string },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const t = await tokens.updateToken(
    {
      token,
      ...(f.uses === undefined ? {} : { uses: f.uses }),
      ...(f.expires === undefined ? {} : { expires: f.expires }),
    },
    d,
  );
  showChange(d, f, t, () => printTable(HEAD, [row(t)]));
}

export async function runTokensDelete(token: string, f: AdminFlags, dir: string | undefined): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await tokens.deleteToken({ token }, d), (r) => say(`Deleted registration token ${r.token}.`));
}
