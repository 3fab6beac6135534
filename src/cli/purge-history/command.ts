// `mxctl purge-history`: delete a room's (or every room's) messages older than a cut-off.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withConfirm } from '../command.ts';
import type { Done } from '../command.ts';

export function registerPurgeHistory(program: Command, done: Done): void {
  withConfirm(
    program
      .command('purge-history')
      .description("delete a room's messages older than a cut-off (state and the latest event are kept)")
      .argument('[ROOM]', '!id:domain or #alias:domain')
      .option('--all', 'every room: a retention sweep (what a nightly job runs)')
      .option('--older-than <DURATION>', 'e.g. 90d, 12h')
      .option('--before <DATE>', 'an absolute cut-off (ISO 8601 or epoch ms), in the past')
      .option(
        '--keep-local',
        "keep this server's users' events in the database (Synapse hides them from the timeline all the same)",
      )
      .option('--timeout <SECONDS>', 'how long to wait for the purge to finish', int, 1800),
    'say what would be purged, purge nothing',
  ).action(async (room, opts, cmd) => done(await (await import('./run.ts')).runPurgeHistory(room, opts, dirOf(cmd))));
}
