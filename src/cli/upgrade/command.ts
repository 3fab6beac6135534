// Command table: upgrades and rollback (`mxctl upgrade`, `upgrade history`, `upgrade volumes`,
// `upgrade remove-old-volume`, `mxctl rollback`); the run module is imported lazily.
import type { Command, CommandUnknownOpts } from '@commander-js/extra-typings';
import { dirOf, int, jsonOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

/** --yes seen from a subcommand: `upgrade` has its own, and commander hands the flag to it. */
function yesOf<T extends object>(opts: T, cmd: CommandUnknownOpts): T & { yes?: true } {
  return (cmd.optsWithGlobals() as { yes?: true }).yes === true ? { ...opts, yes: true } : opts;
}

export function registerUpgrade(program: Command, done: Done): void {
  const upgrade = withJson(
    program
      .command('upgrade')
      .description(
        'upgrade services to newer images: a verified backup first, then per service pull by digest, pin, recreate and a health gate; a failed gate rolls back by itself',
      )
      .argument('[SERVICE...]', 'postgres, synapse, element, nginx or certbot (default: all of them)')
      .option('--check', 'show each pinned image and the newest tag its registry offers; changes nothing')
      .option('--pre', 'also offer pre-release tags (rc, beta)')
      .option(
        '--plan',
        'per service: current → target, schema window, upgrade notes, background updates, disk; changes nothing',
      )
      .option('--to <TAG>', 'the target tag (default: the newest stable tag above the pin)')
      .option('--accept-notes', 'the upgrade notes crossed have been read: they no longer block')
      .option('--gate-timeout <SECONDS>', 'how long a recreated Synapse may take to answer (default 180)', int)
      .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'),
  ).action(async (services, opts, cmd) =>
    done(await (await import('./run.ts')).runUpgrade(services, opts, dirOf(cmd))),
  );
  withJson(
    upgrade.command('history').description('every upgrade and rollback this deployment went through, oldest first'),
  ).action(async (opts, cmd) =>
    done(await (await import('./run.ts')).runUpgradeHistory(jsonOf(opts, cmd), dirOf(cmd))),
  );
  withJson(
    upgrade
      .command('volumes')
      .description('the database volumes: the one in use, and those PostgreSQL major upgrades kept (the old clusters)'),
  ).action(async (opts, cmd) =>
    done(await (await import('./run.ts')).runUpgradeVolumes(jsonOf(opts, cmd), dirOf(cmd))),
  );
  withJson(
    upgrade
      .command('remove-old-volume')
      .description('delete, for good, a database volume `upgrade volumes` lists as kept (never the one in use)')
      .argument('<NAME>', 'the volume, as `mxctl upgrade volumes` names it')
      .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'),
  ).action(async (name, opts, cmd) =>
    done(await (await import('./run.ts')).runRemoveOldVolume(name, yesOf(jsonOf(opts, cmd), cmd), dirOf(cmd))),
  );
  withJson(
    program
      .command('rollback')
      .description(
        'take back the newest healthy upgrade (or --to ID): the previous pin and image; the pre-upgrade backup restored only if the database was migrated past it',
      )
      .option('--to <ID>', 'the upgrade to roll back, as `mxctl upgrade history` names it')
      .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'),
  ).action(async (opts, cmd) => done(await (await import('./run.ts')).runRollback(opts, dirOf(cmd))));
}
