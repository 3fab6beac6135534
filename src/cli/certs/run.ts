// Certificate runs: flags → options, the operation, the report for people or as JSON.
import { certsStatus } from '../../ops/certs/status.ts';
import { renewCertificate } from '../../ops/certs/renew.ts';
import { buildDeps } from '../deps.ts';
import type { ExitStatus } from '../command.ts';
import { printJson, say } from '../output.ts';
import { renderRenew, renderStatus } from './render.ts';

/** Exit 1 when a name is served an old, wrong or expiring certificate (the report says which). */
export async function runCertsStatus(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const report = await certsStatus(
    {},
    await buildDeps(['deployment', 'compose', 'publicHttp', 'clock'], { dir, json: f.json }),
  );
  if (f.json === true) printJson(report);
  else renderStatus(report);
  return report.ok ? 0 : 1;
}

export async function runCertsRenew(
  f: { force?: true; dryRun?: true; yes?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'compose', 'publicHttp', 'clock', 'progress', 'approve'], {
    dir,
    json: f.json,
    yes: f.yes,
    dryRun: f.dryRun,
  });
  const report = await renewCertificate({ force: f.force === true, dryRun: f.dryRun === true }, d).finally(d.end);
  if (f.json === true) printJson(report);
  else renderRenew(report);
  if (report.status.problems.length > 0) say(`Still wrong: ${report.status.problems.join('; ')}`);
  return report.status.ok ? 0 : 1;
}
