// Command table: writing a deployment. The action imports its run module lazily (fast --help).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerInit(program: Command, done: Done): void {
  withJson(
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
      .option('-y, --yes', 'apply changes to an existing deployment without asking'),
  ).action(async (opts, cmd) => done(await (await import('./run.ts')).runInit(opts, dirOf(cmd))));
}
