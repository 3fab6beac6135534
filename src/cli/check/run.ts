// `mxctl check`: every signal, one line each (evidence for the others than ok, or all with -v);
// the exit status is the worst level: 0 ok, 1 warn, 2 critical (cron and Nagios read it).
import { runCheck as check } from '../../ops/check/check.ts';
import type { CheckReport } from '../../ops/check/check.ts';
import { buildDeps } from '../deps.ts';
import type { ExitStatus } from '../command.ts';
import { printJson, say } from '../output.ts';

const MARK = { ok: 'ok  ', warn: 'WARN', critical: 'CRIT' } as const;

export async function runCheck(f: { json?: true; verbose?: true }, dir: string | undefined): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'compose', 'synapse', 'publicHttp', 'clock'], { dir, json: f.json });
  const report = await check({}, d);
  if (f.json === true) printJson(report);
  else renderCheck(report, f.verbose === true);
  return report.exitCode;
}

function renderCheck(r: CheckReport, verbose: boolean): void {
  say(`${r.serverName} — ${r.deployment} — ${r.checkedAt}`);
  for (const s of r.signals) {
    say(`${MARK[s.level]}  ${s.id.padEnd(32)} ${s.summary}`);
    if ((s.level !== 'ok' || verbose) && s.evidence !== '') say(`      · ${s.evidence}`);
  }
  say(
    `${r.level.toUpperCase()}: ${r.counts.critical} critical, ${r.counts.warn} warn, ${r.counts.ok} ok — in ${(r.durationMs / 1000).toFixed(1)} s`,
  );
}
