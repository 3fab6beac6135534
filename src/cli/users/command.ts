// `mxctl users …`: this server's users.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withConfirm, withDryRun, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const run = () => import('./run.ts');

const FLAGS = [
  ['shadow-ban', true, 'shadow-ban a user: their messages are accepted but go nowhere'],
  ['unshadow-ban', false, 'lift a shadow-ban'],
  ['suspend', true, 'suspend a user (read-only: cannot send, join or invite)'],
  ['unsuspend', false, 'lift a suspension'],
] as const;

export function registerUsers(program: Command, done: Done): void {
  const users = program.command('users').description("this server's users");
  registerReads(users, done);
  registerChanges(users, done);
}

function registerReads(users: Command, done: Done): void {
  withJson(
    users
      .command('list')
      .description('list users (every page unless --limit)')
      .option('--name <TEXT>', 'user ids or display names containing TEXT')
      .option('--deactivated', 'include deactivated users')
      .option('--admins', 'only admins')
      .option('--limit <N>', 'at most N users', int),
  ).action(async (opts, cmd) => done(await (await run()).runUsersList(opts, dirOf(cmd))));
  withJson(
    users.command('show').description("a user's details").argument('<USER>', '@user:domain (or a bare local name)'),
  ).action(async (user, opts, cmd) => done(await (await run()).runUsersShow(user, opts, dirOf(cmd))));
  withJson(
    users
      .command('whois')
      .description("a user's sessions: devices, IP addresses, user agents, last seen")
      .argument('<USER>'),
  ).action(async (user, opts, cmd) => done(await (await run()).runUsersWhois(user, opts, dirOf(cmd))));
}

function registerChanges(users: Command, done: Done): void {
  withConfirm(
    users
      .command('deactivate')
      .description('deactivate an account (log out everywhere, leave rooms; cannot be undone)')
      .argument('<USER>')
      .option('--erase', "also erase the user's messages for new joiners (GDPR erasure)"),
  ).action(async (user, opts, cmd) => done(await (await run()).runUsersDeactivate(user, opts, dirOf(cmd))));
  withDryRun(
    users
      .command('create')
      .description('create a local user (password from a file, else a random one shown once)')
      .argument('<USER>')
      .option('--password-file <FILE>', 'read the password from FILE (never from the command line)')
      .option('--displayname <NAME>', 'the display name')
      .option('--admin', 'make the user a server admin'),
  ).action(async (user, opts, cmd) => done(await (await run()).runUsersCreate(user, opts, dirOf(cmd))));
  withDryRun(
    users
      .command('modify')
      .description("change a user's display name, server-admin flag or lock")
      .argument('<USER>')
      .option('--displayname <NAME>', 'the new display name')
      .option('--admin', 'make the user a server admin')
      .option('--no-admin', 'remove the server-admin flag')
      .option('--lock', 'lock the account (cannot log in)')
      .option('--unlock', 'unlock the account'),
  ).action(async (user, opts, cmd) => done(await (await run()).runUsersModify(user, opts, dirOf(cmd))));
  withConfirm(
    users
      .command('reset-password')
      .description("set a new password (from a file, else a random one shown once); logs out the user's devices")
      .argument('<USER>')
      .option('--password-file <FILE>', 'read the password from FILE (never from the command line)')
      .option('--keep-devices', 'do not log out the existing sessions'),
  ).action(async (user, opts, cmd) => done(await (await run()).runUsersResetPassword(user, opts, dirOf(cmd))));
  for (const [name, on, what] of FLAGS) {
    const flag = name.replace(/^un/, '') as 'shadow-ban' | 'suspend';
    withConfirm(users.command(name).description(what).argument('<USER>')).action(async (user, opts, cmd) =>
      done(await (await run()).runUsersFlag(flag, on, user, opts, dirOf(cmd))),
    );
  }
}
