// The rooms runs: flags → options, the op, the report.
import * as rooms from '../../ops/admin/rooms.ts';
import { printJson, printTable, say } from '../output.ts';
import { adminDeps, showChange, warnStopped } from '../admin-run.ts';
import type { AdminFlags } from '../admin-run.ts';
import type { ExitStatus } from '../command.ts';

export async function runRoomsList(
  f: { orderBy?: string; reverse?: true; search?: string; limit?: number; pageSize?: number; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const o = {
    ...(f.orderBy === undefined ? {} : { orderBy: f.orderBy }),
    ...(f.reverse === true ? { dir: 'b' } : {}),
    ...(f.search === undefined ? {} : { search: f.search }),
    ...(f.limit === undefined ? {} : { limit: f.limit }),
    ...(f.pageSize === undefined ? {} : { pageSize: f.pageSize }),
  };
  const r = await rooms.listRooms(o, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  printTable(
    ['ROOM ID', 'NAME', 'MEMBERS', 'LOCAL'],
    r.rooms.map((x) => [
      x.room_id,
      x.name ?? x.canonical_alias ?? '',
      String(x.joined_members),
      String(x.joined_local_members),
    ]),
  );
  process.stderr.write(`${r.rooms.length} of ${r.total} room(s)\n`);
  warnStopped(r);
}

export async function runRoomsShow(room: string, f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const r = await rooms.showRoom({ room }, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  printTable(
    ['FIELD', 'VALUE'],
    Object.entries(r).map(([k, v]) => [
      k,
      v === null || v === undefined
        ? ''
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v as string | number | boolean),
    ]),
  );
}

export async function runRoomsMembers(room: string, f: { json?: true }, dir: string | undefined): Promise<ExitStatus> {
  const r = await rooms.roomMembers({ room }, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  for (const m of r.members) say(m);
}

export async function runRoomsState(
  room: string,
  f: { type?: string; json?: true },
  dir: string | undefined,
): Promise<ExitStatus> {
  const r = await rooms.roomState({ room, type: f.type }, await adminDeps(dir, f));
  if (f.json === true) return printJson(r);
  printTable(
    ['TYPE', 'STATE KEY', 'SENDER', 'CONTENT'],
    r.state.map((e) => [e.type, e.state_key, e.sender, JSON.stringify(e.content).slice(0, 100)]),
  );
}

export async function runRoomsDelete(
  room: string,
  f: AdminFlags & { block?: true; purge: boolean; message?: string },
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  const r = await rooms.deleteRoom(
    { room, block: f.block === true, purge: f.purge, ...(f.message === undefined ? {} : { message: f.message }) },
    d,
  );
  showChange(d, f, r, () =>
    say(
      `Deleted ${r.roomId}${r.purged ? ' (history purged)' : ''}${r.blocked ? ', blocked' : ''}; ${r.kickedUsers?.length ?? 0} member(s) removed.`,
    ),
  );
}

export async function runRoomsBlock(
  room: string,
  block: boolean,
  f: AdminFlags,
  dir: string | undefined,
): Promise<ExitStatus> {
  const d = await adminDeps(dir, f);
  showChange(d, f, await rooms.blockRoom({ room, block }, d), (r) =>
    say(`${r.roomId} is ${block ? 'blocked' : 'unblocked'}.`),
  );
}
