// Command table: the scaling triggers and the way out of one machine. Actions import their run
// module lazily (fast --help).
import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { SIGNAL_IDS, parseWindow } from '../../core/scale/triggers.ts';
import type { SignalId } from '../../core/scale/triggers.ts';
import { dirOf, int, jsonOf, withConfirm, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const load = () => import('./run.ts');

function windowOf(value: string): number {
  const ms = parseWindow(value);
  if (ms === undefined) throw new InvalidArgumentError('must be a duration like 30m, 90s or 2h (1s to 7d)');
  return ms;
}

function thresholdOf(
  value: string,
  previous: Partial<Record<SignalId, number>> = {},
): Partial<Record<SignalId, number>> {
  const m = /^([a-z0-9_]+)=(\d+(?:\.\d+)?)$/.exec(value);
  const id = m?.[1] as SignalId | undefined;
  if (m === null || id === undefined || !(SIGNAL_IDS as readonly string[]).includes(id))
    throw new InvalidArgumentError(`must be SIGNAL=NUMBER, SIGNAL one of ${SIGNAL_IDS.join(', ')}`);
  return { ...previous, [id]: Number(m[2]) };
}

export function registerScale(program: Command, done: Done): void {
  const scale = program
    .command('scale')
    .description('the scaling triggers, and the way from one process to workers to Kubernetes');
  withJson(
    scale
      .command('check')
      .description(
        "the runbook's six scaling triggers: value, threshold, how long each held, a verdict; a fired one ends in its action and the exact change. Exit 0 quiet, 1 a trigger fired",
      )
      .option('--window <DURATION>', 'how long a signal must hold to fire', windowOf, 30 * 60_000)
      .option(
        '--threshold <SIGNAL=N>',
        "another threshold than the runbook's for one signal (repeatable; ratios as 0.7, bytes, seconds, users)",
        thresholdOf,
      ),
    'every signal and action',
  ).action(async (opts, cmd) => done(await (await load()).runScaleCheck(jsonOf(opts, cmd), dirOf(cmd))));
  withJson(
    scale
      .command('export')
      .description(
        "values.yaml for Element's ess-helm matrix-stack chart (secrets as references) and MIGRATION.md, command by command",
      )
      .argument('<TARGET>', 'kubernetes')
      .requiredOption('--out <DIR>', 'a new or empty folder to write into'),
  ).action(async (target, opts, cmd) =>
    done(await (await load()).runScaleExport(target, jsonOf(opts, cmd), dirOf(cmd))),
  );
  withConfirm(
    scale
      .command('workers')
      .description(
        "worker mode on Compose: a preset's workers, Redis, instance_map, the replication secret and nginx routing per Synapse's workers docs; the diff, apply, recreate, health-gate (a failed gate takes it back). `--workers 0` goes back to one process",
      )
      .option('--preset <NAME>', 'federation (federation senders and readers) or users (sync and client readers)')
      .option('--workers <N>', 'only 0: back to one process, every worker and Redis removed', int),
    'show the diff, change nothing',
  ).action(async (opts, cmd) =>
    done(await (await import('./run-workers.ts')).runScaleWorkers(jsonOf(opts, cmd), dirOf(cmd))),
  );
}
