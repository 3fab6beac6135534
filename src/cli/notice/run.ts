// The notice run: the op, then what was sent (or would be).
import { sendNotice } from '../../ops/admin/users.ts';
import { say } from '../output.ts';
import { adminDeps, showChange } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runNoticeSend(
  user: string,
  text: string,
  f: AdminFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await sendNotice({ user, text }, d), (r) =>
    say(`Sent a server notice to ${r.userId} (${r.eventId}).`),
  );
}
