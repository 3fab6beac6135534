import * as rooms from '../../ops/admin/rooms.ts';
import { purgeAllRooms, purgeHistory } from '../../ops/admin/purge-history.ts';
import { MxError } from '../../core/errors.ts';
import { printJson, printTable, say } from '../output.ts';
import { session, sayPlanned, withPlan } from './admin-session.ts';
import type { CommonFlags } from './admin-session.ts';

export async function runRoomsList(f: { orderBy?: string; reverse?: true; search?: string; limit?: number; pageSize?: number; json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await rooms.listRooms(s, {
    ...(f.orderBy === undefined ? {} : { orderBy: f.orderBy }),
    ...(f.reverse === true ? { dir: 'b' } : {}),
    ...(f.search === undefined ? {} : { search: f.search }),
    ...(f.limit === undefined ? {} : { limit: f.limit }),
    ...(f.pageSize === undefined ? {} : { pageSize: f.pageSize }),
  });
  if (f.json === true) return printJson(r);
  printTable(['ROOM ID', 'NAME', 'MEMBERS', 'LOCAL'], r.rooms.map((x) => [x.room_id, x.name ?? x.canonical_alias ?? '', String(x.joined_members), String(x.joined_local_members)]));
  process.stderr.write(`${r.rooms.length} of ${r.total} room(s)\n`);
}

export async function runRoomsShow(room: string, f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await rooms.showRoom(s, room);
  if (f.json === true) return printJson(r);
  printTable(['FIELD', 'VALUE'], Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean)]));
}

export async function runRoomsMembers(room: string, f: { json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await rooms.roomMembers(s, room);
  if (f.json === true) return printJson(r);
  for (const m of r.members) say(m);
}

export async function runRoomsState(room: string, f: { type?: string; json?: true }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await rooms.roomState(s, room, f.type);
  if (f.json === true) return printJson(r);
  printTable(['TYPE', 'STATE KEY', 'SENDER', 'CONTENT'], r.state.map((e) => [e.type, e.state_key, e.sender, JSON.stringify(e.content).slice(0, 100)]));
}

export async function runRoomsDelete(room: string, f: CommonFlags & { block?: true; purge: boolean; message?: string }, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await rooms.deleteRoom(s, room, { block: f.block === true, purge: f.purge, ...(f.message === undefined ? {} : { message: f.message }) });
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`Deleted ${r.roomId}${r.purged ? ' (history purged)' : ''}${r.blocked ? ', blocked' : ''}; ${r.kickedUsers?.length ?? 0} member(s) removed.`);
}

export async function runRoomsBlock(room: string, block: boolean, f: CommonFlags, dir: string | undefined): Promise<void> {
  const s = await session(dir, f);
  const r = await rooms.blockRoom(s, room, block);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(`${r.roomId} is ${block ? 'blocked' : 'unblocked'}.`);
}

export async function runPurgeHistory(room: string | undefined, f: CommonFlags & { all?: true; olderThan?: string; before?: string; keepLocal?: true; timeout: number }, dir: string | undefined): Promise<void> {
  if ((room === undefined) === (f.all !== true)) throw new MxError('E_USAGE', 'Name one ROOM, or give --all for every room.');
  const s = await session(dir, f);
  const o = { olderThan: f.olderThan, before: f.before, keepLocal: f.keepLocal === true, timeoutMs: f.timeout * 1000 };
  if (room === undefined) {
    const r = await purgeAllRooms(s, o);
    if (r.failed.length > 0) process.exitCode = 1;
    if (f.json === true) return printJson(withPlan(s, r));
    if (s.dryRun) return sayPlanned(s);
    say(`Purged the history before ${r.before} in ${r.rooms.filter((x) => x.status === 'complete').length} room(s); nothing to purge in ${r.rooms.filter((x) => x.status === 'nothing-to-purge').length}.`);
    for (const x of r.failed) say(`  FAILED ${x.roomId}: ${x.error}`);
    return;
  }
  const r = await purgeHistory(s, room, o);
  if (f.json === true) return printJson(withPlan(s, r));
  if (s.dryRun) return sayPlanned(s);
  say(r.status === 'nothing-to-purge' ? `${r.roomId}: no events before ${r.before}; nothing to purge.` : `Purged the history of ${r.roomId} before ${r.before} (${r.deleteLocalEvents ? 'local events included' : 'local events kept'}): ${r.status}.`);
}
