// `mxctl rooms …`: this server's rooms.
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { dirOf, int, withConfirm, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const run = () => import('./run.ts');

export function registerRooms(program: Command, done: Done): void {
  const rooms = program.command('rooms').description("this server's rooms");
  withJson(
    rooms
      .command('list')
      .description('list rooms: id, name, members (every page unless --limit)')
      .option('--order-by <FIELD>', 'name, joined_members, joined_local_members, state_events, creator, version, ...')
      // NOTE: not --dir, which is the global deployment-directory flag.
      .option('--reverse', 'descending order')
      .option('--search <TEXT>', 'rooms whose name, alias or id contains TEXT')
      .option('--limit <N>', 'at most N rooms', int)
      // NOTE: hidden; tests use small pages to prove the walk returns every room exactly once.
      .addOption(new Option('--page-size <N>').argParser(int).hideHelp()),
  ).action(async (opts, cmd) => done(await (await run()).runRoomsList(opts, dirOf(cmd))));
  withJson(
    rooms.command('show').description("a room's details").argument('<ROOM>', '!id:domain or #alias:domain'),
  ).action(async (room, opts, cmd) => done(await (await run()).runRoomsShow(room, opts, dirOf(cmd))));
  withJson(rooms.command('members').description("a room's joined members").argument('<ROOM>')).action(
    async (room, opts, cmd) => done(await (await run()).runRoomsMembers(room, opts, dirOf(cmd))),
  );
  withJson(
    rooms
      .command('state')
      .description("a room's current state events")
      .argument('<ROOM>')
      .option('--type <TYPE>', 'only events of this type, e.g. m.room.power_levels'),
  ).action(async (room, opts, cmd) => done(await (await run()).runRoomsState(room, opts, dirOf(cmd))));
  withConfirm(
    rooms
      .command('delete')
      .description('shut a room down: kick everyone, purge its history (v2 API, polled to the end)')
      .argument('<ROOM>')
      .option('--block', 'also block the room so no local user can join it again')
      .option('--no-purge', 'keep its history in the database')
      .option('--message <TEXT>', 'shown to the kicked members'),
  ).action(async (room, opts, cmd) => done(await (await run()).runRoomsDelete(room, opts, dirOf(cmd))));
  for (const [name, on] of [
    ['block', true],
    ['unblock', false],
  ] as const) {
    withConfirm(
      rooms
        .command(name)
        .description(on ? 'block a room: local users can no longer join it' : 'unblock a room')
        .argument('<ROOM>'),
    ).action(async (room, opts, cmd) => done(await (await run()).runRoomsBlock(room, on, opts, dirOf(cmd))));
  }
}
