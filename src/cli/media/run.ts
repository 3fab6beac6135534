// The media runs: flags → options, the op, the report.
import * as media from '../../ops/admin/media.ts';
import { formatTimestamp } from '../../core/admin/duration.ts';
import { printJson, printTable, say } from '../output.ts';
import { adminDeps, showChange, warnStopped } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runMediaList(
  user: string,
  f: { limit?: number; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const r = await media.listUserMedia(
    { user, ...(f.limit === undefined ? {} : { limit: f.limit }) },
    await adminDeps(dir, f),
  );
  if (f.json === true) return printJson(r);
  printTable(
    ['MEDIA', 'TYPE', 'BYTES', 'UPLOADED', 'QUARANTINED'],
    r.media.map((m) => [
      m.mxc,
      m.media_type,
      String(m.media_length),
      formatTimestamp(m.created_ts),
      m.quarantined_by === null ? 'no' : `by ${m.quarantined_by}`,
    ]),
  );
  process.stderr.write(`${r.media.length} of ${r.total} item(s)\n`);
  warnStopped(r);
}

export async function runMediaQuarantine(target: string, f: AdminFlags, dir: string | undefined): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await media.quarantineMedia({ target }, d), (r) =>
    say(`Quarantined ${r.quarantined} item(s) (${r.target}).`),
  );
}

export async function runMediaDelete(mxc: string, f: AdminFlags, dir: string | undefined): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await media.deleteMedia({ mxc }, d), (r) => say(`Deleted ${r.target}.`));
}

export async function runMediaPurgeRemote(
  f: AdminFlags & { olderThan: string },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await media.purgeRemoteMedia({ olderThan: f.olderThan }, d), (r) =>
    say(`Deleted ${r.deleted} cached remote media item(s) not accessed since ${r.before}.`),
  );
}
