// `mxctl media …`: uploaded and cached media.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withConfirm, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const run = () => import('./run.ts');

export function registerMedia(program: Command, done: Done): void {
  const media = program.command('media').description('uploaded and cached media');
  withJson(
    media
      .command('list')
      .description("a user's uploads, newest first")
      .argument('<USER>')
      .option('--limit <N>', 'at most N items', int),
  ).action(async (user, opts, cmd) => done(await (await run()).runMediaList(user, opts, dirOf(cmd))));
  withConfirm(
    media
      .command('quarantine')
      .description('quarantine one item (mxc://...) or everything a user uploaded (@user)')
      .argument('<TARGET>', 'mxc://server/id or @user:domain'),
  ).action(async (target, opts, cmd) => done(await (await run()).runMediaQuarantine(target, opts, dirOf(cmd))));
  withConfirm(
    media
      .command('delete')
      .description('delete one local media item from the media store')
      .argument('<MXC>', 'mxc://server/id'),
  ).action(async (mxc, opts, cmd) => done(await (await run()).runMediaDelete(mxc, opts, dirOf(cmd))));
  withConfirm(
    media
      .command('purge-remote')
      .description('delete cached copies of remote media not accessed for a while')
      .requiredOption('--older-than <DURATION>', 'e.g. 30d'),
  ).action(async (opts, cmd) => done(await (await run()).runMediaPurgeRemote(opts, dirOf(cmd))));
}
