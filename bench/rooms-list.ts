// Benchmark: `mxctl rooms list --json` (every page) against synadm's equivalent, over N rooms in a
// lab, in the same run. Prints the timings and the ratio; never asserts on them.
//
//   node bench/rooms-list.ts [--rooms 10000] [--runs 3] [--concurrency 8] [--dir LAB_DIR]
//
// Without --dir it starts a throwaway lab (and destroys it); with --dir it reuses a running lab
// and only creates the rooms that are missing, so a second run measures straight away.
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { startLab, openLab } from '../lab/harness.ts';
import type { Lab } from '../lab/harness.ts';
import { openSynadm } from '../lab/synadm.ts';
import { readAdminState } from '../src/ops/admin/state.ts';
import { SynapseClient } from '../src/adapters/synapse.ts';

const exec = promisify(execFile);
const enc = encodeURIComponent;

const { values: args } = parseArgs({
  options: {
    rooms: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    dir: { type: 'string' },
  },
});
const N = Number(args.rooms);
const RUNS = Number(args.runs);
const CONCURRENCY = Number(args.concurrency);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function ensureRooms(lab: Lab): Promise<number> {
  const server = lab.settings.MX_SERVER_NAME;
  const owner = `@bench:${server}`;
  await lab.admin.call('PUT', `/_synapse/admin/v2/users/${enc(owner)}`, {
    password: `bench-${Date.now()}`,
    displayname: 'bench',
  });
  // NOTE: Synapse's default room-creation rate limit (a burst of 10) would make this take hours.
  await lab.admin.call('POST', `/_synapse/admin/v1/users/${enc(owner)}/override_ratelimit`, {
    messages_per_second: 0,
    burst_count: 0,
  });
  const { access_token } = await lab.admin.call<{ access_token: string }>(
    'POST',
    `/_synapse/admin/v1/users/${enc(owner)}/login`,
    {},
  );
  const client = new SynapseClient({ baseUrl: lab.admin.baseUrl, accessToken: access_token, timeoutMs: 120_000 });
  const have = (
    await lab.admin.call<{ total_rooms: number }>('GET', `/_synapse/admin/v1/rooms?limit=1&search_term=bench-`)
  ).total_rooms;
  const missing = Math.max(0, N - have);
  log(`${have} bench rooms exist; creating ${missing} (concurrency ${CONCURRENCY})`);
  const started = Date.now();
  let next = have;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        await client.call('POST', '/_matrix/client/v3/createRoom', {
          name: `bench-${String(i).padStart(6, '0')}`,
          preset: 'private_chat',
        });
        if (++done % 500 === 0)
          log(`${done}/${missing} rooms created (${(done / ((Date.now() - started) / 1000)).toFixed(1)}/s)`);
      }
    }),
  );
  if (missing > 0) log(`created ${missing} rooms in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return (await lab.admin.call<{ total_rooms: number }>('GET', '/_synapse/admin/v1/rooms?limit=1')).total_rooms;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const lab = args.dir === undefined ? await startLab() : await openLab(args.dir);
  try {
    const total = await ensureRooms(lab);
    const admin = await readAdminState(lab.dir);
    if (admin === undefined) throw new Error('the lab has no admin state');
    const synadm = await openSynadm({
      baseUrl: lab.admin.baseUrl,
      userId: admin.user_id,
      token: admin.access_token,
      serverName: lab.settings.MX_SERVER_NAME,
    });
    try {
      const results: Record<string, number[]> = {
        mxctl: [],
        'synadm (one page, -l N)': [],
        'synadm (pages of 100)': [],
      };
      let mxIds: string[] = [];
      let synIds: string[] = [];
      for (let run = 0; run < RUNS; run++) {
        const mx = await time(async () => {
          const r = await lab.mxctl(['rooms', 'list', '--json']);
          if (r.code !== 0) throw new Error(`mxctl rooms list failed: ${r.stderr}`);
          return (JSON.parse(r.stdout) as { rooms: { room_id: string }[] }).rooms.map((x) => x.room_id);
        });
        results['mxctl']?.push(mx.ms);
        mxIds = mx.value;
        const one = await time(async () =>
          (await synadm.json<{ rooms: { room_id: string }[] }>(['room', 'list', '-l', String(total + 10)])).rooms.map(
            (x) => x.room_id,
          ),
        );
        results['synadm (one page, -l N)']?.push(one.ms);
        synIds = one.value;
        if (run === 0) {
          // NOTE: synadm has no "all pages" flag; a script walks --from in its default page size.
          const paged = await time(async () => {
            const ids: string[] = [];
            for (let from = 0; from < total; from += 100) {
              const page = await exec(
                'synadm',
                ['-c', synadm.configFile, '--batch', '-o', 'json', 'room', 'list', '-f', String(from), '-l', '100'],
                { maxBuffer: 64 << 20 },
              );
              ids.push(...(JSON.parse(page.stdout) as { rooms: { room_id: string }[] }).rooms.map((x) => x.room_id));
            }
            return ids;
          });
          results['synadm (pages of 100)']?.push(paged.ms);
        }
        log(`run ${run + 1}/${RUNS}: mxctl ${mx.ms.toFixed(0)} ms, synadm one page ${one.ms.toFixed(0)} ms`);
      }
      const same = mxIds.length === synIds.length && [...mxIds].sort().join() === [...synIds].sort().join();
      const m = median(results['mxctl'] ?? []);
      process.stdout.write(
        `rooms-list benchmark — ${total} rooms, ${RUNS} run(s), ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Synapse ${await lab.admin.serverVersion()}\n`,
      );
      process.stdout.write(
        `same room ids from both tools: ${same ? 'yes' : 'NO'} (${mxIds.length} vs ${synIds.length})\n`,
      );
      for (const [tool, xs] of Object.entries(results)) {
        const med = median(xs);
        process.stdout.write(
          `${tool.padEnd(26)} median ${(med / 1000).toFixed(2).padStart(7)} s  (runs: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})  ratio vs mxctl: ${(med / m).toFixed(2)}\n`,
        );
      }
    } finally {
      await synadm.remove();
    }
  } finally {
    if (args.dir === undefined) await lab.destroy();
  }
}

await main();
