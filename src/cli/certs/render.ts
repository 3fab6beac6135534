// `certs status` / `certs renew` for people: one block per public name, then certbot's side.
import type { CertFacts, CertsStatusReport } from '../../ops/certs/status.ts';
import type { RenewReport } from '../../ops/certs/renew.ts';
import { formatDuration, percent } from '../../core/certs/lifetime.ts';
import { printTable, say } from '../output.ts';

const left = (c: CertFacts) =>
  `${c.leftDays.toFixed(c.leftDays < 1 ? 3 : 1)} days (${percent(c.leftShare)} of ${formatDuration(c.lifetimeSeconds * 1000)})`;

export function renderStatus(r: CertsStatusReport): void {
  printTable(
    ['NAME', 'SERVED SERIAL', 'ISSUER', 'VALID UNTIL', 'LEFT', 'NEWEST ON DISK', 'STATE'],
    r.names.map((n) => [
      n.name,
      n.served?.serial ?? '-',
      n.served?.issuer ?? '-',
      n.served?.notAfter ?? '-',
      n.served === undefined ? '-' : left(n.served),
      n.current ? 'yes' : 'NO',
      n.problems.length === 0 ? 'ok' : (n.served?.level ?? 'FAIL').toUpperCase(),
    ]),
  );
  if (r.disk !== undefined) {
    say(
      `On disk: serial ${r.disk.serial}, ${r.disk.issuer}, ${r.disk.notBefore} → ${r.disk.notAfter}; certbot renews it from ${r.disk.renewAt} (2/3 of its lifetime, half under 10 days, unless the CA's renewal info says otherwise).`,
    );
  } else {
    say(`On disk: ${r.diskError ?? `no certificate (${r.state})`}`);
  }
  const w = r.renewalWindow;
  if (w?.offered === true)
    say(
      `The CA's renewal window (ARI): ${w.start} → ${w.end}${w.explanationUrl === undefined ? '' : ` (${w.explanationUrl})`}.`,
    );
  else if (w !== undefined) say(`The CA's renewal window (ARI): none (${w.reason ?? w.error ?? 'not offered'}).`);
  say(
    `ACME server: ${r.acmeServer}${r.renewalConf === undefined ? `; renewal conf: ${r.renewalConfError ?? 'none'}` : `; renewal by ${r.renewalConf.authenticator ?? '?'}`}`,
  );
  const h = r.history;
  say(
    `certbot last ran: ${h.lastRun === undefined ? 'no log kept' : `${h.lastRun.startedAt.toISOString()} (${h.lastRun.dryRun ? 'dry run, ' : ''}${h.lastRun.outcome})`}`,
  );
  const a = h.lastAttempt;
  say(
    `Last renewal attempt: ${a === undefined ? 'none in the kept logs' : `${a.startedAt.toISOString()}: ${a.outcome}${a.failure === undefined ? '' : ` — ${a.failure.kind}: ${a.failure.message}`}`}`,
  );
  if (a?.outcome === 'failed')
    say('WARNING: the last renewal attempt failed; the certificate above is still the one in use.');
  for (const p of r.problems) say(`PROBLEM: ${p}`);
  say(r.ok ? 'Certificates: ok' : 'Certificates: NOT ok');
}

const ACTION: Record<RenewReport['action'], string> = {
  renewed: 'Renewed',
  reissued: 'Issued a certificate for the new set of names',
  reloaded: 'Not due, but nginx served an old certificate: reloaded',
  'not-due': 'Not due for renewal; nothing changed',
  'dry-run': 'Dry run succeeded; nothing replaced',
};

export function renderRenew(r: RenewReport): void {
  say(`${ACTION[r.action]} (${r.names.join(', ')}) in ${r.seconds.toFixed(1)} s.`);
  if (r.servedBefore !== r.servedAfter)
    say(`Served serial: ${r.servedBefore ?? '-'} → ${r.servedAfter ?? '-'} (proved on every name).`);
  else say(`Served serial: ${r.servedAfter ?? '-'} (unchanged).`);
  say(`Deploy hook: ${r.hookRan ? 'ran (nginx reload requested)' : 'did not run'}.`);
  if (r.status.disk !== undefined) say(`Next renewal from ${r.status.disk.renewAt}.`);
}
