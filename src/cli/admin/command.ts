// `mxctl admin init`: mxctl's own admin account.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withJson } from '../command.ts';
import type { Done } from '../command.ts';

export function registerAdmin(program: Command, done: Done): void {
  const admin = program.command('admin').description("mxctl's own admin account");
  withJson(
    admin
      .command('init')
      .description('create the first admin user, log in, and store the token (state/admin.json, 0600)')
      .option('--user <NAME>', 'the admin user name', 'admin')
      .option('--force', 'replace the stored admin credentials'),
  ).action(async (opts, cmd) => done(await (await import('./run.ts')).runAdminInit(opts, dirOf(cmd))));
}
