// The run of `mxctl restore-test`: flags → options → the drill → its report. A failed drill is
// printed (which check failed, where its logs are) and then exits 22.
import { MxError } from '../../core/errors.ts';
import { isIP } from 'node:net';
import { formatDuration } from '../../core/restore-test/record.ts';
import { restoreTest, DEFAULT_DRILL_ADDRESS, DEFAULT_DRILL_PORT } from '../../ops/restore-test/restore-test.ts';
import type { RestoreTestReport } from '../../ops/restore-test/restore-test.ts';
import { restoreTestOffsite } from '../../ops/restore-test/from-offsite.ts';
import { OFFSITE_SETTINGS } from '../../ops/backup/offsite.ts';
import type { ExitStatus } from '../command.ts';
import { buildDeps } from '../deps.ts';
import { printJson, say } from '../output.ts';

export async function runRestoreTest(
  ref: string,
  f: { address?: string; port?: number; network: 'auto' | 'bridge' | 'host'; fromOffsite?: true; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const address = f.address ?? DEFAULT_DRILL_ADDRESS;
  if (isIP(address) !== 4 || !address.startsWith('127.'))
    throw new MxError('E_USAGE', `--address ${address} is not a loopback IPv4 address (127.x.y.z).`, {
      hint: 'A drill listens on loopback only, e.g. --address 127.0.0.254.',
    });
  const base = ['deployment', 'cipher', 'lock', 'clock', 'progress', 'restic', 'offsite'] as const;
  const d = await buildDeps(f.fromOffsite === true ? base : base.filter((k) => k !== 'offsite'), {
    dir,
    json: f.json,
  });
  const o = { ref, address, port: f.port ?? DEFAULT_DRILL_PORT, network: f.network };
  const drilling = async () => {
    if (f.fromOffsite !== true) return restoreTest(o, d);
    if (d.offsite === undefined)
      throw new MxError('E_USAGE', `--from-offsite needs an offsite target in .env: ${OFFSITE_SETTINGS}.`);
    return restoreTestOffsite(o, { ...d, offsite: d.offsite });
  };
  const r = await drilling().finally(d.end);
  if (f.json === true) printJson(r);
  else renderRestoreTest(r);
  if (!r.ok)
    throw new MxError(
      'E_RESTORE_TEST_FAILED',
      `The restore drill of ${r.id} failed: ${r.failed ?? 'a check failed'}.`,
      {
        hint: `Production was not touched.${r.logFile === undefined ? '' : ` The drill's logs: ${r.logFile}.`}`,
      },
    );
}

function renderRestoreTest(r: RestoreTestReport): void {
  for (const c of r.checks) say(`  [${c.ok ? 'pass' : 'FAIL'}] ${c.name}: ${c.detail}`);
  const rto = r.rtoSeconds === undefined ? '' : `, RTO ${formatDuration(r.rtoSeconds)}`;
  say(
    `Restore drill of ${r.id} (${r.drill.project} on ${r.drill.address}:${r.drill.port}): ${r.ok ? 'PASS' : 'FAIL'}${rto}, RPO ${formatDuration(r.rpoSeconds)}.`,
  );
  const left = r.leftoversRemoved;
  if (left.containers + left.volumes + left.folders > 0)
    say(
      `Removed first what an earlier drill left: ${left.containers} container(s), ${left.volumes} volume(s), ${left.folders} folder(s).`,
    );
  say(`Recorded in ${[r.recorded.runbook, r.recorded.history].filter((x) => x !== undefined).join(' and ')}.`);
}
