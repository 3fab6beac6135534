// Command table: tuning sized to the host. Actions import their run module lazily (fast --help).
import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { parseSize } from '../../core/sizes.ts';
import { dirOf, int, jsonOf, withConfirm, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const load = () => import('./run.ts');

function size(value: string): number {
  const n = parseSize(value);
  if (n === undefined) throw new InvalidArgumentError('must be a size like 8G or 16384M');
  return n;
}

export function registerTune(program: Command, done: Done): void {
  const tune = program
    .command('tune')
    .description("Synapse's cache factor and PostgreSQL's memory settings, sized to the host");
  withConfirm(
    tune
      .command('apply')
      .description(
        'size caches.global_factor and shared_buffers, effective_cache_size, work_mem, … to the host; show the diff, apply, restart what needs it, health-gate (a failed gate takes it back)',
      )
      .option(
        '--memory <SIZE>',
        "size for this much memory instead of the host's (e.g. a machine to move to: 32G)",
        size,
      )
      .option('--cores <N>', "size for this many cores instead of the host's", int),
    'show the diff and the settings, change nothing',
  ).action(async (opts, cmd) => done(await (await load()).runTuneApply(jsonOf(opts, cmd), dirOf(cmd))));
  withJson(
    tune
      .command('revert')
      .description('take back the last `tune apply`: homeserver.yaml byte for byte, each PostgreSQL setting as it was')
      .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'),
  ).action(async (opts, cmd) => done(await (await load()).runTuneRevert(jsonOf(opts, cmd), dirOf(cmd))));
}
