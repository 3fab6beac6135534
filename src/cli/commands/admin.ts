import { openStack } from '../../ops/context.ts';
import { adminInit } from '../../ops/admin-init.ts';
import { printJson, say } from '../output.ts';

export async function runAdminInit(f: { user: string; force?: true; json?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir }, { needDocker: false });
  const r = await adminInit(ctx, { user: f.user, force: f.force === true });
  if (f.json === true) return printJson(r);
  say(r.created ? `Created the admin ${r.userId}; its token and password are in ${r.stateFile} (mode 0600).` : `mxctl already acts as ${r.userId}; its token works (${r.stateFile}).`);
}
