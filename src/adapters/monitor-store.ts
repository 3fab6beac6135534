// The monitor's memory, in SQLite (node:sqlite, built into Node): each pass's signal values and
// levels (one row per signal per minute, 30 days kept), the alert state, the outbox of alerts
// decided and each channel's delivery mark, and a few named facts (last ping, scheduled jobs).
// NOTE: WAL and one transaction per pass: a kill -9 loses at most the pass in flight, never half
// of one (an alert in the outbox without the state that decided it, or the other way round).
import { DatabaseSync } from 'node:sqlite';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { MxError } from '../core/errors.ts';
import type { Alert } from '../core/alerts/alert.ts';
import type { AlertState } from '../core/alerts/alert-state.ts';
import type { ChannelKind } from '../core/alerts/channels.ts';
import type { Level, Signal } from '../core/check/signal.ts';
import type { PendingDelivery } from '../core/monitor/outbox.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS samples (minute INTEGER NOT NULL, id TEXT NOT NULL, level TEXT NOT NULL, value REAL,
  PRIMARY KEY (id, minute)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_minute ON samples (minute);
CREATE TABLE IF NOT EXISTS passes (minute INTEGER PRIMARY KEY, at INTEGER NOT NULL, level TEXT NOT NULL,
  duration_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, alert TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (outbox_id INTEGER NOT NULL REFERENCES outbox (id), channel TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, delivered_at INTEGER, dropped TEXT, last_error TEXT,
  PRIMARY KEY (outbox_id, channel));
CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** History is kept this long (and sampled once a minute). */
export const HISTORY_KEPT_MS = 30 * 86_400_000;

export interface PassRecord {
  at: Date;
  level: Level;
  durationMs: number;
  signals: readonly Signal[];
}

export interface QueuedDelivery extends PendingDelivery {
  alert: Alert;
  createdAt: number;
  lastError: string | null;
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000;

export class MonitorStore {
  private readonly db: DatabaseSync;
  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Opens (or creates, mode 0600) the database at `path`. */
  static open(path: string): MonitorStore {
    try {
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
      const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: 5_000 });
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
      db.exec(SCHEMA);
      return new MonitorStore(db);
    } catch (error) {
      throw new MxError('E_DATABASE', `Cannot open the monitor's history ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** For readers (`mxctl check`) while the monitor writes: WAL lets both go on. */
  static openReadOnly(path: string): MonitorStore {
    return new MonitorStore(new DatabaseSync(path, { readOnly: true, timeout: 5_000 }));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private tx<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = work();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  fact<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM facts WHERE key = ?').get(key) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  setFact(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO facts (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  alertState(): AlertState {
    return this.fact<AlertState>('alert_state') ?? {};
  }

  latestPass(): { at: string; level: Level; signals: Signal[] } | undefined {
    return this.fact('latest_pass');
  }

  /**
   * One pass, in one transaction: its samples, the alert state it led to, and the alerts it
   * decided queued for every channel configured now. Returns the outbox ids.
   */
  recordPass(p: PassRecord, state: AlertState, alerts: readonly Alert[], channels: readonly ChannelKind[]): number[] {
    const at = p.at.getTime();
    const minute = minuteOf(at);
    return this.tx(() => {
      const sample = this.db.prepare('INSERT OR REPLACE INTO samples (minute, id, level, value) VALUES (?, ?, ?, ?)');
      for (const s of p.signals) sample.run(minute, s.id, s.level, typeof s.value === 'number' ? s.value : null);
      this.db
        .prepare('INSERT OR REPLACE INTO passes (minute, at, level, duration_ms) VALUES (?, ?, ?, ?)')
        .run(minute, at, p.level, p.durationMs);
      this.setFact('latest_pass', { at: p.at.toISOString(), level: p.level, signals: p.signals });
      this.setFact('alert_state', state);
      this.setFact('passes', (this.fact<number>('passes') ?? 0) + 1);
      const ids = alerts.map((a) => this.enqueue(a, at, channels));
      this.prune(at - HISTORY_KEPT_MS);
      return ids;
    });
  }

  private enqueue(a: Alert, at: number, channels: readonly ChannelKind[]): number {
    const r = this.db.prepare('INSERT INTO outbox (created_at, alert) VALUES (?, ?)').run(at, JSON.stringify(a));
    const id = Number(r.lastInsertRowid);
    const row = this.db.prepare('INSERT INTO deliveries (outbox_id, channel, next_at) VALUES (?, ?, ?)');
    for (const c of channels) row.run(id, c, at);
    return id;
  }

  private prune(before: number): void {
    this.db.prepare('DELETE FROM samples WHERE minute < ?').run(before);
    this.db.prepare('DELETE FROM passes WHERE minute < ?').run(before);
    // NOTE: an alert leaves the outbox only once every channel has it (or it was dropped) and it is old.
    this.db
      .prepare(
        `DELETE FROM deliveries WHERE outbox_id IN (SELECT id FROM outbox WHERE created_at < ? AND NOT EXISTS
          (SELECT 1 FROM deliveries d WHERE d.outbox_id = outbox.id AND d.delivered_at IS NULL AND d.dropped IS NULL))`,
      )
      .run(before);
    this.db
      .prepare('DELETE FROM outbox WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE outbox_id = id)')
      .run(before);
  }

  /** Every delivery not yet made (nor dropped), oldest first. */
  pending(): QueuedDelivery[] {
    const rows = this.db
      .prepare(
        `SELECT d.outbox_id, d.channel, d.attempts, d.next_at, d.last_error, o.alert, o.created_at
         FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
         WHERE d.delivered_at IS NULL AND d.dropped IS NULL ORDER BY d.outbox_id, d.channel`,
      )
      .all() as {
      outbox_id: number;
      channel: ChannelKind;
      attempts: number;
      next_at: number;
      last_error: string | null;
      alert: string;
      created_at: number;
    }[];
    return rows.map((r) => ({
      outboxId: r.outbox_id,
      channel: r.channel,
      attempts: r.attempts,
      nextAt: r.next_at,
      lastError: r.last_error,
      alert: JSON.parse(r.alert) as Alert,
      createdAt: r.created_at,
    }));
  }

  markDelivered(outboxId: number, channel: ChannelKind, at: Date): void {
    this.db
      .prepare('UPDATE deliveries SET delivered_at = ?, attempts = attempts + 1 WHERE outbox_id = ? AND channel = ?')
      .run(at.getTime(), outboxId, channel);
  }

  markFailed(outboxId: number, channel: ChannelKind, nextAt: number, error: string): void {
    this.db
      .prepare(
        'UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE outbox_id = ? AND channel = ?',
      )
      .run(nextAt, error, outboxId, channel);
  }

  /** A channel no longer configured: its queue is given up, with the reason kept. */
  drop(channel: ChannelKind, reason: string): number {
    const r = this.db
      .prepare('UPDATE deliveries SET dropped = ? WHERE channel = ? AND delivered_at IS NULL AND dropped IS NULL')
      .run(reason, channel);
    return Number(r.changes);
  }

  /** Numeric samples since `since` (epoch ms), by signal id, oldest first. */
  samples(since: number): Map<string, [number, number][]> {
    const rows = this.db
      .prepare('SELECT id, minute, value FROM samples WHERE minute >= ? AND value IS NOT NULL ORDER BY id, minute')
      .all(since) as { id: string; minute: number; value: number }[];
    return byId(rows, (r) => [r.minute, r.value]);
  }

  /**
   * Numeric samples since `since` (epoch ms), by signal id, oldest first, each with when its pass
   * saw it: [minute, seen at, value].
   */
  observations(since: number): Map<string, [number, number, number][]> {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.minute, p.at, s.value FROM samples s JOIN passes p ON p.minute = s.minute
         WHERE s.minute >= ? AND s.value IS NOT NULL ORDER BY s.id, s.minute`,
      )
      .all(since) as { id: string; minute: number; at: number; value: number }[];
    return byId(rows, (r) => [r.minute, r.at, r.value]);
  }

  /** Rows kept, for the bound's test and the status line. */
  counts(): { samples: number; passes: number; outbox: number } {
    const n = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { samples: n('samples'), passes: n('passes'), outbox: n('outbox') };
  }
}

/** Rows grouped by their signal id, in their order. */
function byId<R extends { id: string }, T>(rows: readonly R[], pick: (r: R) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.id) ?? [];
    list.push(pick(r));
    out.set(r.id, list);
  }
  return out;
}
