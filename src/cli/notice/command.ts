// `mxctl notice send`: server notices, messages from the server admins in a room of their own.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withDryRun } from '../command.ts';
import type { Done } from '../command.ts';

export function registerNotice(program: Command, done: Done): void {
  const notice = program
    .command('notice')
    .description('server notices: messages from the server admins in a room of their own');
  withDryRun(
    notice
      .command('send')
      .description('send a server notice to a local user (it appears in their "Server Notices" room)')
      .argument('<USER>')
      .argument('<TEXT>'),
    'say what would happen, send nothing',
  ).action(async (user, text, opts, cmd) =>
    done(await (await import('./run.ts')).runNoticeSend(user, text, opts, dirOf(cmd))),
  );
}
