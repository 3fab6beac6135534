// Command table: stack lifecycle. Actions import their run module lazily (fast --help).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const load = () => import('./run.ts');

export function registerStack(program: Command, done: Done): void {
  withJson(
    program
      .command('up')
      .description('start the stack, wait until healthy, obtain the TLS certificate on first start')
      .option('--timeout <SECONDS>', 'how long to wait for health', int, 300),
  ).action(async (opts, cmd) => done(await (await load()).runUp(opts, dirOf(cmd))));

  program
    .command('down')
    .description('stop the stack (data is kept)')
    .action(async (_opts, cmd) => done(await (await load()).runDown(dirOf(cmd))));

  program
    .command('restart')
    .description('restart one service, or all of them, and wait until healthy')
    .argument('[SERVICE]', 'postgres, synapse, element, nginx or certbot')
    .action(async (service, _opts, cmd) => done(await (await load()).runRestart(service, dirOf(cmd))));

  program
    .command('logs')
    .description("show services' logs")
    .argument('[SERVICE]', 'one service (default: all)')
    .option('-f, --follow', 'keep following')
    .option('--tail <N>', 'only the last N lines of each', int)
    .action(async (service, opts, cmd) => done(await (await load()).runLogs(service, opts, dirOf(cmd))));

  withJson(
    program
      .command('status')
      .alias('ps')
      .description("each service's state and health, the Synapse version, HTTPS through nginx"),
  ).action(async (opts, cmd) => done(await (await load()).runStatus(opts, dirOf(cmd))));
}
