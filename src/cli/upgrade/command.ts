// Command table: upgrades. `--check` and `--plan` exist; applying is issue 8's next slice; the run module is imported lazily.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerUpgrade(program: Command, done: Done): void {
  withJson(
    program
      .command('upgrade')
      .description(
        '--check: what the registries offer newer; --plan: what an upgrade would do and whether it may (applying it is not implemented yet)',
      )
      .argument('[SERVICE...]', 'postgres, synapse, element, nginx or certbot (default: all of them)')
      .option('--check', 'show each pinned image and the newest tag its registry offers; changes nothing')
      .option('--pre', 'also offer pre-release tags (rc, beta)')
      .option(
        '--plan',
        'per service: current → target, schema window, upgrade notes, background updates, disk; changes nothing',
      )
      .option('--to <TAG>', 'the target tag (default: the newest stable tag above the pin)')
      .option('--accept-notes', 'the upgrade notes crossed have been read: they no longer block'),
  ).action(async (services, opts, cmd) =>
    done(await (await import('./run.ts')).runUpgrade(services, opts, dirOf(cmd))),
  );
}
