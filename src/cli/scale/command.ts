// Command table: scaling out. Actions import their run module lazily (fast --help).
// NOTE: `scale check` and `scale export` are registered here too once merged (one noun, one file).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, jsonOf, withConfirm } from '../command.ts';
import type { Done } from '../command.ts';

export function registerScale(program: Command, done: Done): void {
  const scale = program.command('scale').description('scale Synapse out: worker mode on Compose');
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
