// Judging Synapse's log after a restore: any ERROR or CRITICAL line fails the checklist, except
// the one a restore causes by itself. Clients that synced after the backup was taken hold stream
// tokens newer than the restored database; Synapse logs "Bounding token from the future" at ERROR
// level, clamps the token and carries on (synapse/streams/events.py). Every restore of a server
// whose users are online shows it, so it is counted, not failed on.

export interface LogVerdict {
  ok: boolean;
  detail: string;
}

const ERROR_LINE = / - (ERROR|CRITICAL) - /;
const FUTURE_TOKEN = /Bounding token from the future/;

export function judgeRestoreLog(text: string): LogVerdict {
  const lines = text.split('\n').filter((l) => ERROR_LINE.test(l));
  const future = lines.filter((l) => FUTURE_TOKEN.test(l)).length;
  const errors = lines.filter((l) => !FUTURE_TOKEN.test(l));
  const note =
    future === 0
      ? ''
      : ` (${future} "token from the future" line(s) from clients that synced past the backup: expected)`;
  if (errors.length > 0)
    return { ok: false, detail: `${errors.length} line(s), first: ${errors[0]?.slice(0, 300)}${note}` };
  return { ok: true, detail: `none${note}` };
}
