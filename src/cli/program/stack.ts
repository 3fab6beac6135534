// Command table: deployment and stack lifecycle. Actions import their module lazily (fast --help).
import type { Command } from '@commander-js/extra-typings';
import type { Done } from '../command.ts';
import { dirOf, int } from './shared.ts';

export function registerStack(program: Command, _done: Done): void {
  program
    .command('init')
    .description('write a new deployment (or show what would change in an existing one)')
    .requiredOption('--domain <DOMAIN>', 'the Matrix server name, e.g. example.org (user ids are @user:DOMAIN)')
    .option('--matrix-host <HOST>', 'where Synapse is served (default: matrix.DOMAIN)')
    .option('--element-host <HOST>', 'where Element is served (default: chat.DOMAIN)')
    .option('--acme-server <URL>', "the ACME directory (default: Let's Encrypt)")
    .option('--acme-email <EMAIL>', 'contact address for the ACME account')
    .option('--resolve <ADDRESS>', 'reach the public names at this address (split DNS)')
    .option('--ca-file <FILE>', 'extra CA certificates to trust for the public names (relative to the deployment)')
    .option('-y, --yes', 'apply changes to an existing deployment without asking')
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('../commands/init.ts')).runInit(opts, dirOf(cmd)));

  program
    .command('up')
    .description('start the stack, wait until healthy, obtain the TLS certificate on first start')
    .option('--timeout <SECONDS>', 'how long to wait for health', int, 300)
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('../commands/stack.ts')).runUp(opts, dirOf(cmd)));

  program
    .command('down')
    .description('stop the stack (data is kept)')
    .action(async (_opts, cmd) => (await import('../commands/stack.ts')).runDown(dirOf(cmd)));

  program
    .command('restart')
    .description('restart one service, or all of them, and wait until healthy')
    .argument('[SERVICE]', 'postgres, synapse, element, nginx or certbot')
    .action(async (service, _opts, cmd) => (await import('../commands/stack.ts')).runRestart(service, dirOf(cmd)));

  program
    .command('logs')
    .description("show services' logs")
    .argument('[SERVICE]', 'one service (default: all)')
    .option('-f, --follow', 'keep following')
    .option('--tail <N>', 'only the last N lines of each', int)
    .action(async (service, opts, cmd) => (await import('../commands/stack.ts')).runLogs(service, opts, dirOf(cmd)));

  program
    .command('status')
    .alias('ps')
    .description("each service's state and health, the Synapse version, HTTPS through nginx")
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd) => (await import('../commands/stack.ts')).runStatus(opts, dirOf(cmd)));
}
