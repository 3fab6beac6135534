// Command table: user & room administration (the runbook's "User & Room Administration" and
// "Suspected Abuse" sections). Actions import their module lazily (fast --help).
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import type { Done } from '../command.ts';
import { dirOf, int } from './shared.ts';

const tokensCmd = () => import('../commands/tokens.ts');
const usersCmd = () => import('../commands/users.ts');
const roomsCmd = () => import('../commands/rooms.ts');
const abuseCmd = () => import('../commands/abuse.ts');
const mediaCmd = () => import('../commands/media.ts');
const allowlistCmd = () => import('../commands/federation-allowlist.ts');

/**
 * NOTE: `allowlist` (show) and its subcommands all take --json; commander hands a --json typed
 * after a subcommand to the parent, so the subcommand looks there too.
 */
function withParentJson<T extends { json?: true }>(opts: T, cmd: Command<unknown[], Record<string, unknown>>): T {
  return (cmd.parent?.opts() as { json?: true } | undefined)?.json === true ? { ...opts, json: true } : opts;
}

export function registerAdministration(program: Command, _done: Done): void {
  const tokens = program.command('tokens').description('registration tokens (registration is invite-only)');
  tokens
    .command('create')
    .description('create a registration token (default: single use, valid 7 days)')
    .option('--uses <N>', 'how many registrations it admits, or "unlimited"', '1')
    .option('--expires <WHEN>', 'a duration from now (7d, 12h), a date, or "never"', '7d')
    .option('--token <TOKEN>', 'the token text (default: random)')
    .option('--length <N>', 'length of a random token (1-64)', int)
    .option('--dry-run', 'show what would be created, create nothing')
    .option('--json', 'print the token as JSON')
    .action(async (opts, cmd) => (await tokensCmd()).runTokensCreate(opts, dirOf(cmd)));
  tokens
    .command('list')
    .description('list registration tokens')
    .option('--valid', 'only tokens that can still be used')
    .option('--invalid', 'only expired or used-up tokens')
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await tokensCmd()).runTokensList(opts, dirOf(cmd)));
  tokens
    .command('show')
    .description('one token: uses, pending, completed, expiry')
    .argument('<TOKEN>')
    .option('--json', 'print JSON')
    .action(async (token, opts, cmd) => (await tokensCmd()).runTokensShow(token, opts, dirOf(cmd)));
  tokens
    .command('update')
    .description("change a token's uses or expiry")
    .argument('<TOKEN>')
    .option('--uses <N>', 'uses allowed in total, "unlimited", or 0 to disable')
    .option('--expires <WHEN>', 'a duration from now (7d), a date, or "never"')
    .option('--dry-run', 'show the change, make none')
    .option('--json', 'print JSON')
    .action(async (token, opts, cmd) => (await tokensCmd()).runTokensUpdate(token, opts, dirOf(cmd)));
  tokens
    .command('delete')
    .description('delete a token')
    .argument('<TOKEN>')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be deleted, delete nothing')
    .option('--json', 'print JSON')
    .action(async (token, opts, cmd) => (await tokensCmd()).runTokensDelete(token, opts, dirOf(cmd)));

  const users = program.command('users').description("this server's users");
  users
    .command('list')
    .description('list users (every page unless --limit)')
    .option('--name <TEXT>', 'user ids or display names containing TEXT')
    .option('--deactivated', 'include deactivated users')
    .option('--admins', 'only admins')
    .option('--limit <N>', 'at most N users', int)
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await usersCmd()).runUsersList(opts, dirOf(cmd)));
  users
    .command('show')
    .description("a user's details")
    .argument('<USER>', '@user:domain (or a bare local name)')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await usersCmd()).runUsersShow(user, opts, dirOf(cmd)));
  users
    .command('whois')
    .description("a user's sessions: devices, IP addresses, user agents, last seen")
    .argument('<USER>')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await usersCmd()).runUsersWhois(user, opts, dirOf(cmd)));
  users
    .command('deactivate')
    .description('deactivate an account (log out everywhere, leave rooms; cannot be undone)')
    .argument('<USER>')
    .option('--erase', "also erase the user's messages for new joiners (GDPR erasure)")
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await usersCmd()).runUsersDeactivate(user, opts, dirOf(cmd)));
  users
    .command('create')
    .description('create a local user (password from a file, else a random one shown once)')
    .argument('<USER>')
    .option('--password-file <FILE>', 'read the password from FILE (never from the command line)')
    .option('--displayname <NAME>', 'the display name')
    .option('--admin', 'make the user a server admin')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await usersCmd()).runUsersCreate(user, opts, dirOf(cmd)));
  users
    .command('modify')
    .description("change a user's display name, server-admin flag or lock")
    .argument('<USER>')
    .option('--displayname <NAME>', 'the new display name')
    .option('--admin', 'make the user a server admin')
    .option('--no-admin', 'remove the server-admin flag')
    .option('--lock', 'lock the account (cannot log in)')
    .option('--unlock', 'unlock the account')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await usersCmd()).runUsersModify(user, opts, dirOf(cmd)));
  users
    .command('reset-password')
    .description("set a new password (from a file, else a random one shown once); logs out the user's devices")
    .argument('<USER>')
    .option('--password-file <FILE>', 'read the password from FILE (never from the command line)')
    .option('--keep-devices', 'do not log out the existing sessions')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await usersCmd()).runUsersResetPassword(user, opts, dirOf(cmd)));
  for (const [name, on, what] of [
    ['shadow-ban', true, "shadow-ban a user: their messages are accepted but go nowhere"],
    ['unshadow-ban', false, 'lift a shadow-ban'],
    ['suspend', true, 'suspend a user (read-only: cannot send, join or invite)'],
    ['unsuspend', false, 'lift a suspension'],
  ] as const) {
    users
      .command(name)
      .description(what)
      .argument('<USER>')
      .option('-y, --yes', 'do not ask')
      .option('--dry-run', 'say what would happen, change nothing')
      .option('--json', 'print JSON')
      .action(async (user, opts, cmd) => (await usersCmd()).runUsersFlag(name.replace(/^un/, '') as 'shadow-ban' | 'suspend', on, user, opts, dirOf(cmd)));
  }

  const rooms = program.command('rooms').description("this server's rooms");
  rooms
    .command('list')
    .description('list rooms: id, name, members (every page unless --limit)')
    .option('--order-by <FIELD>', 'name, joined_members, joined_local_members, state_events, creator, version, ...')
    // NOTE: not --dir, which is the global deployment-directory flag.
    .option('--reverse', 'descending order')
    .option('--search <TEXT>', 'rooms whose name, alias or id contains TEXT')
    .option('--limit <N>', 'at most N rooms', int)
    // NOTE: hidden; tests use small pages to prove the walk returns every room exactly once.
    .addOption(new Option('--page-size <N>').argParser(int).hideHelp())
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await roomsCmd()).runRoomsList(opts, dirOf(cmd)));
  rooms
    .command('show')
    .description("a room's details")
    .argument('<ROOM>', '!id:domain or #alias:domain')
    .option('--json', 'print JSON')
    .action(async (room, opts, cmd) => (await roomsCmd()).runRoomsShow(room, opts, dirOf(cmd)));
  rooms
    .command('members')
    .description("a room's joined members")
    .argument('<ROOM>')
    .option('--json', 'print JSON')
    .action(async (room, opts, cmd) => (await roomsCmd()).runRoomsMembers(room, opts, dirOf(cmd)));
  rooms
    .command('state')
    .description("a room's current state events")
    .argument('<ROOM>')
    .option('--type <TYPE>', 'only events of this type, e.g. m.room.power_levels')
    .option('--json', 'print JSON')
    .action(async (room, opts, cmd) => (await roomsCmd()).runRoomsState(room, opts, dirOf(cmd)));
  rooms
    .command('delete')
    .description('shut a room down: kick everyone, purge its history (v2 API, polled to the end)')
    .argument('<ROOM>')
    .option('--block', 'also block the room so no local user can join it again')
    .option('--no-purge', 'keep its history in the database')
    .option('--message <TEXT>', 'shown to the kicked members')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (room, opts, cmd) => (await roomsCmd()).runRoomsDelete(room, opts, dirOf(cmd)));
  for (const [name, on] of [['block', true], ['unblock', false]] as const) {
    rooms
      .command(name)
      .description(on ? 'block a room: local users can no longer join it' : 'unblock a room')
      .argument('<ROOM>')
      .option('-y, --yes', 'do not ask')
      .option('--dry-run', 'say what would happen, change nothing')
      .option('--json', 'print JSON')
      .action(async (room, opts, cmd) => (await roomsCmd()).runRoomsBlock(room, on, opts, dirOf(cmd)));
  }

  program
    .command('purge-history')
    .description("delete a room's messages older than a cut-off (state and the latest event are kept)")
    .argument('[ROOM]', '!id:domain or #alias:domain')
    .option('--all', 'every room: a retention sweep (what a nightly job runs)')
    .option('--older-than <DURATION>', 'e.g. 90d, 12h')
    .option('--before <DATE>', 'an absolute cut-off (ISO 8601 or epoch ms), in the past')
    .option('--keep-local', "keep this server's users' events in the database (Synapse hides them from the timeline all the same)")
    .option('--timeout <SECONDS>', 'how long to wait for the purge to finish', int, 1800)
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would be purged, purge nothing')
    .option('--json', 'print JSON')
    .action(async (room, opts, cmd) => (await roomsCmd()).runPurgeHistory(room, opts, dirOf(cmd)));

  const media = program.command('media').description('uploaded and cached media');
  media
    .command('list')
    .description("a user's uploads, newest first")
    .argument('<USER>')
    .option('--limit <N>', 'at most N items', int)
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await mediaCmd()).runMediaList(user, opts, dirOf(cmd)));
  media
    .command('quarantine')
    .description('quarantine one item (mxc://...) or everything a user uploaded (@user)')
    .argument('<TARGET>', 'mxc://server/id or @user:domain')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (target, opts, cmd) => (await mediaCmd()).runMediaQuarantine(target, opts, dirOf(cmd)));
  media
    .command('delete')
    .description('delete one local media item from the media store')
    .argument('<MXC>', 'mxc://server/id')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (mxc, opts, cmd) => (await mediaCmd()).runMediaDelete(mxc, opts, dirOf(cmd)));
  media
    .command('purge-remote')
    .description('delete cached copies of remote media not accessed for a while')
    .requiredOption('--older-than <DURATION>', 'e.g. 30d')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await mediaCmd()).runMediaPurgeRemote(opts, dirOf(cmd)));

  const reports = program.command('reports').description('event reports from users');
  reports
    .command('list')
    .description('reports, newest first')
    .option('--room <ROOM_ID>', 'only about this room')
    .option('--user <USER_ID>', 'only by this reporter')
    .option('--limit <N>', 'at most N reports', int)
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await mediaCmd()).runReportsList(opts, dirOf(cmd)));
  reports
    .command('show')
    .description('one report, with the reported event')
    .argument('<ID>')
    .option('--json', 'print JSON')
    .action(async (id, opts, cmd) => (await mediaCmd()).runReportsShow(id, opts, dirOf(cmd)));
  reports
    .command('resolve')
    .description('mark a report handled (Synapse deletes it)')
    .argument('<ID>')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (id, opts, cmd) => (await mediaCmd()).runReportsResolve(id, opts, dirOf(cmd)));

  const notice = program.command('notice').description('server notices: messages from the server admins in a room of their own');
  notice
    .command('send')
    .description('send a server notice to a local user (it appears in their "Server Notices" room)')
    .argument('<USER>')
    .argument('<TEXT>')
    .option('--dry-run', 'say what would happen, send nothing')
    .option('--json', 'print JSON')
    .action(async (user, text, opts, cmd) => (await usersCmd()).runNoticeSend(user, text, opts, dirOf(cmd)));

  const abuse = program.command('abuse').description('responding to abuse and spam');
  abuse
    .command('quarantine')
    .description("power level -1 in the user's rooms, their media quarantined, optionally deactivate")
    .argument('<USER>')
    .option('--deactivate', 'also deactivate the account')
    .option('--take-over', "make mxctl's admin room admin (make_room_admin) where it lacks power")
    .option('--keep-media', "leave the user's media alone")
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'say what would change per room, change nothing')
    .option('--json', 'print JSON')
    .action(async (user, opts, cmd) => (await abuseCmd()).runAbuseQuarantine(user, opts, dirOf(cmd)));

  const federation = program.command('federation').description('federation with other servers');
  for (const [name, block] of [['block', true], ['unblock', false]] as const) {
    federation
      .command(name)
      .description(block ? 'deny a server (or glob) in the server ACL of every local room' : 'remove a server from every local room\'s ACL')
      .argument('<SERVER>', 'a server name, or a glob such as *.spam.example')
      .option('--take-over', "make mxctl's admin room admin (make_room_admin) where it lacks power")
      .option('-y, --yes', 'do not ask')
      .option('--dry-run', 'say what would change per room, change nothing')
      .option('--json', 'print JSON')
      .action(async (server, opts, cmd) => (await abuseCmd()).runFederationBlock(server, block, opts, dirOf(cmd)));
  }

  const allowlist = federation
    .command('allowlist')
    .description('which servers Synapse federates with (federation_domain_whitelist); alone: show it')
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await allowlistCmd()).runAllowlistShow(opts, dirOf(cmd)));
  const allowlistChange = (name: string, what: string) =>
    allowlist
      .command(name)
      .description(what)
      .option('-y, --yes', 'do not ask before writing')
      .option('--dry-run', 'show the diff, change nothing')
      .option('--restart', 'restart Synapse afterwards without asking')
      .option('--no-restart', 'do not restart Synapse (the change waits for the next restart)')
      .option('--json', 'print JSON');
  allowlistChange('add', 'federate only with the allowlist, adding these servers (.env and homeserver.yaml)')
    .argument('<SERVER...>', 'server names, e.g. friend.example')
    .action(async (servers, opts, cmd) => (await allowlistCmd()).runAllowlistChange({ kind: 'add', names: servers }, withParentJson(opts, cmd), dirOf(cmd)));
  allowlistChange('remove', 'take servers off the allowlist')
    .argument('<SERVER...>')
    .action(async (servers, opts, cmd) => (await allowlistCmd()).runAllowlistChange({ kind: 'remove', names: servers }, withParentJson(opts, cmd), dirOf(cmd)));
  allowlistChange('clear', 'remove the allowlist: federate with every server again').action(async (opts, cmd) =>
    (await allowlistCmd()).runAllowlistChange({ kind: 'clear' }, withParentJson(opts, cmd), dirOf(cmd)),
  );

  federation
    .command('destinations')
    .description('servers this one federates with: retry state and failures')
    .option('--limit <N>', 'at most N destinations', int)
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await abuseCmd()).runDestinations(opts, dirOf(cmd)));
  federation
    .command('reset')
    .description("clear a destination's back-off so Synapse retries it now")
    .argument('<SERVER>')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print JSON')
    .action(async (server, opts, cmd) => (await abuseCmd()).runDestinationReset(server, opts, dirOf(cmd)));

  program
    .command('background-updates')
    .description("Synapse's database background updates: running or idle")
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => (await usersCmd()).runBackgroundUpdates(opts, dirOf(cmd)));
}
