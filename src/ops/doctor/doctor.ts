// `mxctl doctor`: the runbook's incident checklist run in seconds. Check groups run
// concurrently; a group that cannot run becomes a "could not check" finding instead of
// hiding the others. The same checks are what the monitor daemon will schedule.
import type { Finding, Severity } from '../../core/doctor/finding.ts';
import { warn, worst } from '../../core/doctor/finding.ts';
import { secondsSince } from '../../core/clock.ts';
import { gatherFacts } from './facts.ts';
import type { DoctorDeps, DoctorFacts, DoctorOptions } from './facts.ts';
import { stackChecks } from './stack-checks.ts';
import { configChecks, logChecks, memoryCheck, registrationChecks } from './synapse-checks.ts';
import { databaseChecks, diskChecks } from './database-checks.ts';
import { tlsChecks } from './tls-checks.ts';
import { federationChecks } from './federation-checks.ts';
import { upgradeChecks } from './upgrade-checks.ts';

export interface DoctorReport {
  deployment: string;
  serverName: string;
  status: Severity;
  counts: Record<Severity, number>;
  findings: Finding[];
  durationMs: number;
}

const GROUPS: ReadonlyArray<[string, (f: DoctorFacts) => Promise<Finding[]>]> = [
  ['stack', stackChecks],
  ['synapse config', configChecks],
  ['database', databaseChecks],
  ['disk', diskChecks],
  ['certificates', tlsChecks],
  ['memory', memoryCheck],
  ['federation', federationChecks],
  ['synapse log', logChecks],
  ['registration', registrationChecks],
  ['upgrades', upgradeChecks],
];

export async function runDoctor(o: DoctorOptions, d: DoctorDeps): Promise<DoctorReport> {
  const started = d.clock.now();
  const facts = await gatherFacts(o, d);
  const results = await Promise.all(
    GROUPS.map(async ([name, check]) => {
      try {
        return await check(facts);
      } catch (error) {
        return [
          warn(
            `doctor.${name.replace(/\s+/g, '-')}`,
            `could not check ${name}: ${(error as Error).message}`,
            'Run doctor again; if this persists, the evidence names what failed.',
            [String((error as { detail?: string }).detail ?? '')].filter((e) => e !== ''),
          ),
        ];
      }
    }),
  );
  const findings = results.flat();
  const counts: Record<Severity, number> = { ok: 0, warn: 0, fail: 0 };
  for (const f of findings) counts[f.status]++;
  return {
    deployment: d.deployment.root,
    serverName: d.deployment.settings.MX_SERVER_NAME,
    status: worst(findings),
    counts,
    findings,
    durationMs: Math.round(secondsSince(d.clock, started) * 1000),
  };
}
