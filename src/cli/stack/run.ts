// Stack lifecycle runs: flags → options, the operation, the report for people or as JSON.
import * as stack from '../../ops/stack.ts';
import type { StatusReport } from '../../ops/stack.ts';
import { buildDeps } from '../deps.ts';
import type { ExitStatus } from '../command.ts';
import { printJson, printTable, say } from '../output.ts';

export async function runUp(f: { timeout: number; json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const d = await buildDeps(['deployment', 'compose', 'progress'], { dir, json: f.json });
  const report = await stack.up({ timeoutS: f.timeout }, d).finally(d.end);
  if (f.json === true) return printJson(report);
  say(`The stack is up (${report.services.length} services healthy; certificate: ${report.certificate}).`);
}

export async function runDown(dir: string | undefined): Promise<ExitStatus> {
  await stack.down({}, await buildDeps(['compose'], { dir }));
  say('The stack is stopped; data is kept.');
}

export async function runRestart(service: string | undefined, dir: string | undefined): Promise<ExitStatus> {
  await stack.restart({ service }, await buildDeps(['compose'], { dir }));
  say(`Restarted ${service ?? 'all services'}; healthy.`);
}

export async function runLogs(
  service: string | undefined,
  f: { follow?: true; tail?: number },
  dir: string | undefined,
): Promise<ExitStatus> {
  await stack.logs({ service, follow: f.follow === true, tail: f.tail }, await buildDeps(['compose'], { dir }));
}

/** Exit 1 when anything is not healthy (the report says what). */
export async function runStatus(f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const r = await stack.status(
    {},
    await buildDeps(['deployment', 'compose', 'synapse', 'publicHttp'], { dir, json: f.json }),
  );
  if (f.json === true) printJson(r);
  else renderStatus(r);
  return r.healthy ? 0 : 1;
}

function renderStatus(r: StatusReport): void {
  say(`${r.serverName} — ${r.deployment}`);
  printTable(
    ['SERVICE', 'STATE', 'HEALTH', ''],
    r.services.map((s) => [
      s.service,
      s.state,
      s.health || '-',
      s.ok ? (s.health === 'starting' ? 'starting' : 'ok') : 'PROBLEM',
    ]),
  );
  say(`Synapse version: ${r.synapseVersion ?? `unknown (${r.synapseError ?? 'no answer'})`}`);
  say(`HTTPS via nginx: ${r.https.ok ? 'ok' : 'FAILING'} — ${r.https.url}: ${r.https.detail}`);
  const c = r.certificate;
  const issuer = c.issuer === undefined ? '' : `, issued by ${c.issuer}`;
  const until = c.validTo === undefined ? '' : `, valid until ${c.validTo}`;
  say(`Certificate: ${c.state}${issuer}${until}${c.trusted ? '' : ` (NOT trusted: ${c.error ?? 'unknown'})`}`);
  say(r.healthy ? 'Overall: healthy' : 'Overall: NOT healthy');
}
