// The admin init run: create (or check) mxctl's admin and say where its credentials are.
import { adminInit } from '../../ops/admin/init.ts';
import { printJson, say } from '../output.ts';
import { buildDeps } from '../deps.ts';
import type { ExitStatus } from '../command.ts';

export async function runAdminInit(
  f: { user: string; force?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const r = await adminInit(
    { user: f.user, force: f.force === true },
    await buildDeps(['deployment', 'synapse', 'clock'], { dir, json: f.json }),
  );
  if (f.json === true) return printJson(r);
  say(
    r.created
      ? `Created the admin ${r.userId}; its token and password are in ${r.stateFile} (mode 0600).`
      : `mxctl already acts as ${r.userId}; its token works (${r.stateFile}).`,
  );
}
