// Stopping mxctl, end to end in the lab: a backup started the way cron starts it (the
// deployment's scripts/backup.sh, which execs the `mxctl` an install puts on PATH, here the
// checkout's bin/mxctl), and by an old Node (`node bin/mxctl.mjs` with the machine's Node 20,
// which runs the work in a child on Node 24). A signal to the pid the caller holds must stop the
// work like a failure at that point: exit 128 + the signal, no process of the run left (pg_dump
// in the database container included), no partial archive, no new backup; the next backup
// succeeds. kill -9 of the process started leaves no orphan doing work either. A restore is
// stopped before its swap (the live server untouched), or finished once the swap has begun.
// A long admin command waiting on a Synapse that does not answer ends at once, wrapper or not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startLab } from '../../lab/harness.ts';
import type { Lab } from '../../lab/harness.ts';
import { run } from '../../src/adapters/exec.ts';
import { psql } from '../../src/adapters/postgres.ts';
import { pgOf, sideDatabases, synapseStartedAt } from './backup-fixtures.ts';
import { isTooOld, stockNode } from '../stock-node.ts';

const BIN = resolve('bin/mxctl');
const node = stockNode();
const wrapperSkip =
  node === undefined || !isTooOld(node) ? 'the machine has no Node older than 22.18 (no wrapper to test)' : false;

interface Started {
  pid: number;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** A process and every descendant of it, from /proc. */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i] ?? -1) ?? []));
  return tree;
}

/** Still running: exists and is not a zombie (an exited child nobody reaped yet). */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signals the run's pid and waits until it and every process it had (`tree`) have ended. */
async function signalAndWait(r: Started, tree: readonly number[], signal: NodeJS.Signals): Promise<void> {
  process.kill(r.pid, signal);
  await r.exited;
  await waitFor('every process of the run to end', async () => {
    for (const pid of tree) if (await isRunning(pid)) return false;
    return true;
  });
}

describe('signals stop mxctl cleanly', () => {
  let lab: Lab;
  let backups: string;

  before(async () => {
    lab = await startLab();
    backups = join(lab.dir, 'backups');
    // NOTE: 256 MiB of media that does not compress: the archive takes seconds to write, so the
    // signal lands mid-run whatever the machine's speed.
    await run(
      'sh',
      [
        '-c',
        'mkdir -p "$1/synapse/media_store/local_content" && head -c 268435456 /dev/urandom > "$1/synapse/media_store/local_content/filler" && chown 991:991 "$1/synapse/media_store/local_content/filler"',
        'sh',
        lab.dir,
      ],
      { purpose: 'writing filler media' },
    );
  });
  after(async () => {
    await lab?.destroy();
  });

  function start(file: string, args: string[]): Started {
    const child = spawn(file, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MXCTL: BIN, MXCTL_DIR: lab.dir },
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    assert.ok(child.pid !== undefined);
    return { pid: child.pid, exited, stderr: () => err };
  }

  async function backupIds(): Promise<string[]> {
    const r = await lab.mxctl(['backup', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { backups: { id: string }[] }).backups.map((b) => b.id);
  }

  const partials = async () => (await readdir(backups).catch(() => [])).filter((n) => n.endsWith('.partial'));
  const dumpsRunning = async () =>
    Number((await psql(pgOf(lab), "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump';")).trim());

  /** Starts a backup, waits until it writes its archive, signals `target(pid)`; returns the run's processes. */
  async function interrupt(
    file: string,
    args: string[],
    signal: NodeJS.Signals,
  ): Promise<{ run: Started; tree: number[]; ms: number }> {
    const r = start(file, args);
    let early: number | null | undefined;
    void r.exited.then((c) => (early = c));
    // NOTE: a generous wait: on a loaded machine the dump can take a while to start.
    await waitFor(
      'the partial archive',
      async () => {
        if (early !== undefined) throw new Error(`the backup ended (${early}) before the signal:\n${r.stderr()}`);
        return (await partials()).length > 0;
      },
      120_000,
    );
    const tree = await processTree(r.pid);
    const commands = await Promise.all(
      tree.map(async (pid) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '?')).replaceAll('\0', ' ')),
    );
    assert.ok(tree.length >= 2, `mxctl runs gpg (and docker for pg_dump): ${commands.join(' | ')}`);
    const sent = Date.now();
    await signalAndWait(r, tree, signal);
    await waitFor('pg_dump in the database container to end', async () => (await dumpsRunning()) === 0);
    return { run: r, tree, ms: Date.now() - sent };
  }

  it("SIGTERM to scripts/backup.sh (cron's way): exit 143, nothing left, no backup; the next one succeeds", async (t) => {
    const before = await backupIds();
    const { run: r, ms } = await interrupt(join(lab.dir, 'scripts', 'backup.sh'), ['--local-only'], 'SIGTERM');
    assert.equal(await r.exited, 143, r.stderr());
    assert.match(r.stderr(), /stopped by SIGTERM/);
    assert.deepEqual(await partials(), [], 'the partial archive was removed');
    assert.deepEqual(await backupIds(), before, 'no new backup');
    const next = await lab.mxctl(['backup', '--local-only']);
    assert.equal(next.code, 0, next.stderr);
    assert.equal((await backupIds()).length, before.length + 1);
    t.diagnostic(`stopped ${ms} ms after SIGTERM; it said: ${r.stderr().trim().replaceAll('\n', ' / ')}`);
  });

  it(
    'SIGINT to node bin/mxctl.mjs on the stock Node (a wrapper): passed on, exit 130, nothing left',
    { skip: wrapperSkip },
    async () => {
      const before = await backupIds();
      const { run: r } = await interrupt(node ?? 'node', ['bin/mxctl.mjs', 'backup', '--local-only'], 'SIGINT');
      assert.equal(await r.exited, 130, r.stderr());
      assert.match(r.stderr(), /stopped by SIGINT/);
      assert.deepEqual(await partials(), []);
      assert.deepEqual(await backupIds(), before);
    },
  );

  it(
    'kill -9 of the wrapper: its child stops as on SIGHUP and cleans up, no orphan',
    { skip: wrapperSkip },
    async () => {
      const before = await backupIds();
      const { run: r, tree } = await interrupt(node ?? 'node', ['bin/mxctl.mjs', 'backup', '--local-only'], 'SIGKILL');
      assert.equal(await r.exited, null);
      assert.ok(tree.length >= 3, 'a wrapper, its child, gpg');
      assert.deepEqual(await partials(), [], 'the child removed the partial archive');
      assert.deepEqual(await backupIds(), before);
    },
  );

  it('kill -9 of mxctl itself: no orphan doing work; the next backup clears the leftover', async () => {
    const before = await backupIds();
    await interrupt(BIN, ['backup', '--local-only'], 'SIGKILL');
    assert.deepEqual(await backupIds(), before, 'the killed run is not a backup');
    const next = await lab.mxctl(['backup', '--local-only']);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(await partials(), [], 'the leftover partial was removed');
    assert.equal((await backupIds()).length, before.length + 1);
  });

  /**
   * A long admin command (a retention sweep over every room) waiting on a Synapse that takes no
   * requests (its container paused: it accepts connections and never answers), signalled while it
   * waits: it must end at once with 128 + the signal, leaving no process behind.
   */
  async function adminStopped(file: string, args: string[], signal: NodeJS.Signals): Promise<Started> {
    const compose = { cwd: join(lab.dir, 'compose'), purpose: 'pausing synapse' };
    await run('docker', ['compose', 'pause', 'synapse'], compose);
    try {
      const r = start(file, [...args, 'purge-history', '--all', '--older-than', '90d', '--yes']);
      let early: number | null | undefined;
      void r.exited.then((c) => (early = c));
      // It is waiting on Synapse once a process of the run holds a connection to Synapse's port.
      const port = lab.settings.SYNAPSE_LOCAL_PORT;
      await waitFor(
        'mxctl to wait on Synapse',
        async () => {
          if (early !== undefined) throw new Error(`the sweep ended (${early}) before the signal:\n${r.stderr()}`);
          const pids = await processTree(r.pid);
          const ss = await run('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], {
            purpose: 'listing connections to Synapse',
          });
          return pids.some((pid) => ss.stdout.includes(`pid=${pid},`));
        },
        120_000,
      );
      const tree = await processTree(r.pid);
      const sent = Date.now();
      await signalAndWait(r, tree, signal);
      assert.ok(Date.now() - sent < 10_000, 'it stopped at once, not at the request timeout');
      return r;
    } finally {
      await run('docker', ['compose', 'unpause', 'synapse'], compose);
    }
  }

  it('SIGTERM to a long admin command waiting on Synapse: exit 143 at once, no process left, the rooms untouched', async () => {
    const before = (await lab.admin.call<{ total_rooms: number }>('GET', '/_synapse/admin/v1/rooms?limit=1'))
      .total_rooms;
    const r = await adminStopped(BIN, [], 'SIGTERM');
    assert.equal(await r.exited, 143, r.stderr());
    assert.match(r.stderr(), /stopped by SIGTERM/);
    const after = (await lab.admin.call<{ total_rooms: number }>('GET', '/_synapse/admin/v1/rooms?limit=1'))
      .total_rooms;
    assert.equal(after, before);
  });

  it(
    'SIGTERM to the same admin command under the stock Node (a wrapper): passed on, exit 143, no process left',
    { skip: wrapperSkip },
    async () => {
      const r = await adminStopped(node ?? 'node', ['bin/mxctl.mjs'], 'SIGTERM');
      assert.equal(await r.exited, 143, r.stderr());
      assert.match(r.stderr(), /stopped by SIGTERM/);
    },
  );

  async function synapseRunning(): Promise<boolean> {
    const id = (
      await run('docker', ['compose', 'ps', '-aq', 'synapse'], {
        cwd: join(lab.dir, 'compose'),
        purpose: 'finding synapse',
      })
    ).stdout.trim();
    return (
      (
        await run('docker', ['inspect', '-f', '{{.State.Running}}', id], { purpose: 'inspecting synapse' })
      ).stdout.trim() === 'true'
    );
  }

  /** Starts `mxctl restore latest --yes`, signals it with SIGTERM once `when()` holds. */
  async function restoreStoppedWhen(what: string, when: () => Promise<boolean>): Promise<Started> {
    const r = start(BIN, ['restore', 'latest', '--yes']);
    let early: number | null | undefined;
    void r.exited.then((c) => (early = c));
    await waitFor(
      what,
      async () => {
        if (early !== undefined) throw new Error(`the restore ended (${early}) before the signal:\n${r.stderr()}`);
        return when();
      },
      120_000,
    );
    process.kill(r.pid, 'SIGTERM');
    await r.exited;
    return r;
  }

  it('SIGTERM to a restore before its swap: exit 143, the live server untouched, nothing left', async () => {
    const started = await synapseStartedAt(lab);
    const r = await restoreStoppedWhen('the side database', async () => (await sideDatabases(lab)).length > 0);
    assert.equal(await r.exited, 143, r.stderr());
    assert.match(r.stderr(), /stopped by SIGTERM/);
    assert.equal(await synapseStartedAt(lab), started, 'Synapse was never stopped');
    assert.deepEqual(await sideDatabases(lab), [], 'no side database left');
    assert.deepEqual(
      (await readdir(lab.dir)).filter((n) => n.startsWith('.restore-')),
      [],
      'no staging left',
    );
  });

  it('SIGTERM to a restore once its swap has begun: it is finished, exit 0, the server up', async () => {
    const r = await restoreStoppedWhen('Synapse stopped for the swap', async () => !(await synapseRunning()));
    assert.equal(await r.exited, 0, r.stderr());
    assert.match(r.stderr(), /SIGTERM came while a change ran that is worse stopped half-way: it was finished/);
    assert.deepEqual(await sideDatabases(lab), [], 'no side database left');
    // NOTE: Synapse answers before Docker's health check says so: status waits for the latter.
    await waitFor('every service healthy', async () => (await lab.mxctl(['status'])).code === 0, 120_000);
  });
});
