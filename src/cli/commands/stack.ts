import { openStack } from '../../ops/context.ts';
import * as stack from '../../ops/stack.ts';
import { printJson, printTable, progress, say } from '../output.ts';

export async function runUp(f: { timeout: number; json?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  const report = await stack.up(ctx, { timeoutS: f.timeout, progress: progress(f.json !== true) });
  if (f.json === true) return printJson(report);
  say(`The stack is up (${report.services.length} services healthy; certificate: ${report.certificate}).`);
}

export async function runDown(dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  await stack.down(ctx);
  say('The stack is stopped; data is kept.');
}

export async function runRestart(service: string | undefined, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  await stack.restart(ctx, service);
  say(`Restarted ${service ?? 'all services'}; healthy.`);
}

export async function runLogs(service: string | undefined, f: { follow?: true; tail?: number }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  await stack.logs(ctx, { service, follow: f.follow === true, tail: f.tail });
}

export async function runStatus(f: { json?: true }, dir: string | undefined): Promise<void> {
  const ctx = await openStack({ dir });
  const r = await stack.status(ctx);
  if (f.json === true) {
    printJson(r);
  } else {
    say(`${r.serverName} — ${r.deployment}`);
    printTable(
      ['SERVICE', 'STATE', 'HEALTH', ''],
      r.services.map((s) => [s.service, s.state, s.health || '-', s.ok ? 'ok' : 'PROBLEM']),
    );
    say(`Synapse version: ${r.synapseVersion ?? `unknown (${r.synapseError ?? 'no answer'})`}`);
    say(`HTTPS via nginx: ${r.https.ok ? 'ok' : 'FAILING'} — ${r.https.url}: ${r.https.detail}`);
    const c = r.certificate;
    say(`Certificate: ${c.state}${c.issuer === undefined ? '' : `, issued by ${c.issuer}`}${c.validTo === undefined ? '' : `, valid until ${c.validTo}`}${c.trusted ? '' : ` (NOT trusted: ${c.error ?? 'unknown'})`}`);
    say(r.healthy ? 'Overall: healthy' : 'Overall: NOT healthy');
  }
  if (!r.healthy) process.exitCode = 1;
}
