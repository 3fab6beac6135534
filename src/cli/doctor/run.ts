// `mxctl doctor`: every finding with its evidence and fix; exit 1 when any check fails.
import { runDoctor as diagnose } from '../../ops/doctor/doctor.ts';
import type { DoctorReport } from '../../ops/doctor/doctor.ts';
import { writeBundle } from '../../ops/doctor/bundle.ts';
import { buildDeps } from '../deps.ts';
import { parseDuration } from '../../core/admin/duration.ts';
import { MxError } from '../../core/errors.ts';
import type { ExitStatus } from '../command.ts';
import { printJson, say } from '../output.ts';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export async function runDoctor(
  f: { json?: true; bundle?: string; verbose?: true; logWindow: string },
  dir: string | undefined,
): Promise<ExitStatus> {
  const logWindowMs = parseDuration(f.logWindow, '--log-window');
  if (logWindowMs === 0) throw new MxError('E_INVALID_INPUT', '--log-window must be more than zero.');
  const d = await buildDeps(['deployment', 'compose', 'synapse', 'publicHttp', 'clock'], { dir, json: f.json });
  const report = await diagnose({ logWindowMs }, d);
  const bundle = f.bundle === undefined ? undefined : await writeBundle({ report, file: f.bundle }, d);
  if (f.json === true) printJson(bundle === undefined ? report : { ...report, bundle: bundle.file });
  else renderDoctor(report, f.verbose === true, bundle?.file);
  return report.status === 'fail' ? 1 : 0;
}

function renderDoctor(report: DoctorReport, verbose: boolean, bundle: string | undefined): void {
  say(`${report.serverName} — ${report.deployment}`);
  for (const x of report.findings) {
    say(`${MARK[x.status]}  ${x.summary}`);
    if (x.status !== 'ok' || verbose) for (const e of x.evidence) say(`        · ${e}`);
    if (x.fix !== undefined && x.status !== 'ok') say(`        fix: ${x.fix}`);
  }
  say(
    `${report.counts.fail} fail, ${report.counts.warn} warn, ${report.counts.ok} ok — in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  if (bundle !== undefined) say(`Support bundle (secrets redacted): ${bundle}`);
}
