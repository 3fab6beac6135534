import { openStack } from '../../ops/context.ts';
import { runDoctor } from '../../ops/doctor/doctor.ts';
import { writeBundle } from '../../ops/doctor/bundle.ts';
import { printJson, say } from '../output.ts';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export async function runDoctorCommand(f: { json?: true; bundle?: string; verbose?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  const report = await runDoctor(ctx);
  const bundle = f.bundle === undefined ? undefined : await writeBundle(ctx, report, f.bundle);
  if (f.json === true) {
    printJson(bundle === undefined ? report : { ...report, bundle: bundle.file });
  } else {
    say(`${report.serverName} — ${report.deployment}`);
    for (const x of report.findings) {
      say(`${MARK[x.status]}  ${x.summary}`);
      if (x.status !== 'ok' || f.verbose === true) for (const e of x.evidence) say(`        · ${e}`);
      if (x.fix !== undefined && x.status !== 'ok') say(`        fix: ${x.fix}`);
    }
    say(`${report.counts.fail} fail, ${report.counts.warn} warn, ${report.counts.ok} ok — in ${(report.durationMs / 1000).toFixed(1)} s`);
    if (bundle !== undefined) say(`Support bundle (secrets redacted): ${bundle.file}`);
  }
  if (report.status === 'fail') process.exitCode = 1;
}
