// `mxctl federation …`: blocking servers (room ACLs), the allowlist (federation_domain_whitelist),
// destinations and their back-off.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, jsonOf, withConfirm, withDryRun, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const run = () => import('./run.ts');
const allowlistRun = () => import('./allowlist-run.ts');

export function registerFederation(program: Command, done: Done): void {
  const federation = program.command('federation').description('federation with other servers');
  for (const [name, block] of [
    ['block', true],
    ['unblock', false],
  ] as const) {
    withConfirm(
      federation
        .command(name)
        .description(
          block
            ? 'deny a server (or glob) in the server ACL of every local room'
            : "remove a server from every local room's ACL",
        )
        .argument('<SERVER>', 'a server name, or a glob such as *.spam.example')
        .option('--take-over', "make mxctl's admin room admin (make_room_admin) where it lacks power"),
      'say what would change per room, change nothing',
    ).action(async (server, opts, cmd) =>
      done(await (await run()).runFederationBlock(server, block, opts, dirOf(cmd))),
    );
  }
  registerAllowlist(federation, done);
  withJson(
    federation
      .command('destinations')
      .description('servers this one federates with: retry state and failures')
      .option('--limit <N>', 'at most N destinations', int),
  ).action(async (opts, cmd) => done(await (await run()).runDestinations(opts, dirOf(cmd))));
  withDryRun(
    federation
      .command('reset')
      .description("clear a destination's back-off so Synapse retries it now")
      .argument('<SERVER>'),
  ).action(async (server, opts, cmd) => done(await (await run()).runDestinationReset(server, opts, dirOf(cmd))));
}

/**
 * NOTE: `allowlist` (show) and its subcommands all take --json; commander hands a --json typed
 * after a subcommand to the parent, so the subcommand looks there too (jsonOf).
 */
function registerAllowlist(federation: Command, done: Done): void {
  const allowlist = withJson(
    federation
      .command('allowlist')
      .description('which servers Synapse federates with (federation_domain_whitelist); alone: show it'),
  ).action(async (opts, cmd) => done(await (await allowlistRun()).runAllowlistShow(opts, dirOf(cmd))));
  const change = (name: string, what: string) =>
    withJson(
      allowlist
        .command(name)
        .description(what)
        .option('-y, --yes', 'do not ask before writing')
        .option('--dry-run', 'show the diff, change nothing')
        .option('--restart', 'restart Synapse afterwards without asking')
        .option('--no-restart', 'do not restart Synapse (the change waits for the next restart)'),
    );
  change('add', 'federate only with the allowlist, adding these servers (.env and homeserver.yaml)')
    .argument('<SERVER...>', 'server names, e.g. friend.example')
    .action(async (servers, opts, cmd) =>
      done(
        await (await allowlistRun()).runAllowlistChange({ kind: 'add', names: servers }, jsonOf(opts, cmd), dirOf(cmd)),
      ),
    );
  change('remove', 'take servers off the allowlist')
    .argument('<SERVER...>')
    .action(async (servers, opts, cmd) =>
      done(
        await (
          await allowlistRun()
        ).runAllowlistChange({ kind: 'remove', names: servers }, jsonOf(opts, cmd), dirOf(cmd)),
      ),
    );
  change('clear', 'remove the allowlist: federate with every server again').action(async (opts, cmd) =>
    done(await (await allowlistRun()).runAllowlistChange({ kind: 'clear' }, jsonOf(opts, cmd), dirOf(cmd))),
  );
}
