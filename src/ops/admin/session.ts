// What every admin command works with: reads against the live server, writes through the real or
// the simulated capability (dry run), who mxctl acts as, and how to ask before destroying.
import { MxError } from '../../core/errors.ts';
import type { UserId } from '../../core/admin/ids.ts';
import { SynapseAdmin } from '../../adapters/synapse-admin.ts';
import type { AdminReads, AdminWrites } from '../../adapters/synapse-admin.ts';
import { SimulatedAdminWrites } from '../../adapters/synapse-admin-simulated.ts';
import type { PlannedAction } from '../../adapters/synapse-admin-simulated.ts';
import { adminClient, readAdminState } from '../admin-state.ts';
import type { StackContext } from '../context.ts';

export interface AdminSession {
  reads: AdminReads;
  writes: AdminWrites;
  /** Filled by a dry run: what would have been changed. */
  planned: readonly PlannedAction[] | undefined;
  dryRun: boolean;
  adminUserId: UserId;
  serverName: string;
  yes: boolean;
  confirm: ((question: string) => Promise<boolean>) | undefined;
  progress: (line: string) => void;
  now: () => number;
}

export interface AdminSessionOptions {
  dryRun?: boolean;
  yes?: boolean;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  progress?: (line: string) => void;
}

export async function openAdminSession(ctx: StackContext, o: AdminSessionOptions = {}): Promise<AdminSession> {
  const client = await adminClient(ctx);
  const state = await readAdminState(ctx.deployment.root);
  const real = new SynapseAdmin(client);
  const simulated = o.dryRun === true ? new SimulatedAdminWrites() : undefined;
  return {
    reads: real,
    writes: simulated ?? real,
    planned: simulated?.planned,
    dryRun: o.dryRun === true,
    adminUserId: (state?.user_id ?? '') as UserId,
    serverName: ctx.deployment.settings.MX_SERVER_NAME,
    yes: o.yes === true,
    confirm: o.confirm,
    progress: o.progress ?? (() => undefined),
    now: Date.now,
  };
}

/** Asks before a destructive change: --yes skips, a dry run needs no consent, a script without --yes is refused. */
export async function approve(s: AdminSession, question: string): Promise<void> {
  if (s.yes || s.dryRun) return;
  if (s.confirm === undefined) {
    throw new MxError('E_USAGE', `${question} — mxctl needs a yes, and there is no terminal to ask on. Nothing was changed.`, { hint: 'Re-run with --yes (or --dry-run to see what would change).' });
  }
  if (!(await s.confirm(question))) throw new MxError('E_ABORTED', 'Not confirmed; nothing was changed.');
}
