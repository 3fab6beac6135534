// `mxctl abuse quarantine`: responding to abuse and spam.
import type { Command } from '@commander-js/extra-typings';
import { dirOf, withConfirm } from '../command.ts';
import type { Done } from '../command.ts';

export function registerAbuse(program: Command, done: Done): void {
  const abuse = program.command('abuse').description('responding to abuse and spam');
  withConfirm(
    abuse
      .command('quarantine')
      .description("power level -1 in the user's rooms, their media quarantined, optionally deactivate")
      .argument('<USER>')
      .option('--deactivate', 'also deactivate the account')
      .option('--take-over', "make mxctl's admin room admin (make_room_admin) where it lacks power")
      .option('--keep-media', "leave the user's media alone"),
    'say what would change per room, change nothing',
  ).action(async (user, opts, cmd) =>
    done(await (await import('./run.ts')).runAbuseQuarantine(user, opts, dirOf(cmd))),
  );
}
