// Command table: upgrades. Only `--check` exists yet (issue 8); the run module is imported lazily.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerUpgrade(program: Command, done: Done): void {
  withJson(
    program
      .command('upgrade')
      .description(
        '--check: the pinned images and what their registries offer newer (upgrading itself is not implemented yet)',
      )
      .argument('[SERVICE...]', 'postgres, synapse, element, nginx or certbot (default: all of them)')
      .option('--check', 'show each pinned image and the newest tag its registry offers; changes nothing')
      .option('--pre', 'also offer pre-release tags (rc, beta)'),
  ).action(async (services, opts, cmd) =>
    done(await (await import('./run.ts')).runUpgradeCheck(services, opts, dirOf(cmd))),
  );
}
