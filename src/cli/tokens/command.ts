// `mxctl tokens …`: registration tokens (registration is invite-only).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withConfirm, withDryRun, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const run = () => import('./run.ts');

export function registerTokens(program: Command, done: Done): void {
  const tokens = program.command('tokens').description('registration tokens (registration is invite-only)');
  withDryRun(
    tokens
      .command('create')
      .description('create a registration token (default: single use, valid 7 days)')
      .option('--uses <N>', 'how many registrations it admits, or "unlimited"', '1')
      .option('--expires <WHEN>', 'a duration from now (7d, 12h), a date, or "never"', '7d')
      .option('--token <TOKEN>', 'the token text (default: random)')
      .option('--length <N>', 'length of a random token (1-64)', int),
    'show what would be created, create nothing',
  ).action(async (opts, cmd) => done(await (await run()).runTokensCreate(opts, dirOf(cmd))));
  withJson(
    tokens
      .command('list')
      .description('list registration tokens')
      .option('--valid', 'only tokens that can still be used')
      .option('--invalid', 'only expired or used-up tokens'),
  ).action(async (opts, cmd) => done(await (await run()).runTokensList(opts, dirOf(cmd))));
  withJson(
    tokens.command('show').description('one token: uses, pending, completed, expiry').argument('<TOKEN>'),
  ).action(async (token, opts, cmd) => done(await (await run()).runTokensShow(token, opts, dirOf(cmd))));
  withDryRun(
    tokens
      .command('update')
      .description("change a token's uses or expiry")
      .argument('<TOKEN>')
      .option('--uses <N>', 'uses allowed in total, "unlimited", or 0 to disable')
      .option('--expires <WHEN>', 'a duration from now (7d), a date, or "never"'),
    'show the change, make none',
  ).action(async (token, opts, cmd) => done(await (await run()).runTokensUpdate(token, opts, dirOf(cmd))));
  withConfirm(
    tokens.command('delete').description('delete a token').argument('<TOKEN>'),
    'show what would be deleted, delete nothing',
  ).action(async (token, opts, cmd) => done(await (await run()).runTokensDelete(token, opts, dirOf(cmd))));
}
