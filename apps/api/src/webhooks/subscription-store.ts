import type { SqlDb, SqlRunner } from '@accord/sql';
import type { EventFilter } from '../live/event-filter';

export type SubscriptionState = 'active' | 'paused' | 'parked';

export interface SubscriptionRecord {
  readonly id: string;
  readonly url: string;
  /** whsec_…: kept as is, since signing needs the key itself (decision 0033). */
  readonly secret: string;
  readonly filter: EventFilter;
  /** The party of the integration key that made it; null for an admin's. */
  readonly ownerParty: string | null;
  readonly state: SubscriptionState;
  /** Position of the last event handled (delivered, or not matching). */
  readonly checkpoint: number;
  /** Consecutive failed attempts on the event at the checkpoint's next match. */
  readonly failures: number;
  /** Every attempt so far; the sequence number of the latest in webhook_deliveries. */
  readonly attempts: number;
  readonly lastError: string | null;
  /** Moves on every pause, resume, replay and park: a delivery loop's write under an older one is refused. */
  readonly generation: number;
  readonly createdAt: string;
}

export interface DeliveryRecord {
  readonly seq: number;
  readonly webhookId: string;
  readonly eventId: string;
  readonly position: number;
  /** The attempt's number for this event (1 the first time). */
  readonly attempt: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly at: string;
}

/** How many attempts each subscription keeps for GET /subscriptions/{id}/deliveries. */
export const KEPT_DELIVERIES = 100;
const LEASE = 'webhooks';

const DDL = `
  CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    filter TEXT NOT NULL,
    owner_party TEXT,
    state TEXT NOT NULL,
    checkpoint BIGINT NOT NULL,
    failures INTEGER NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    generation BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    deleted INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS webhook_deliveries (
    subscription_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    attempt INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (subscription_id, seq)
  );
  CREATE TABLE IF NOT EXISTS webhook_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );`;

interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  filter: string;
  owner_party: string | null;
  state: SubscriptionState;
  checkpoint: number | string;
  failures: number;
  attempts: number | string;
  last_error: string | null;
  generation: number | string;
  created_at: string;
}

const toRecord = (row: SubscriptionRow): SubscriptionRecord => ({
  id: row.id,
  url: row.url,
  secret: row.secret,
  filter: JSON.parse(row.filter) as EventFilter,
  ownerParty: row.owner_party,
  state: row.state,
  checkpoint: Number(row.checkpoint),
  failures: Number(row.failures),
  attempts: Number(row.attempts),
  lastError: row.last_error,
  generation: Number(row.generation),
  createdAt: row.created_at,
});

/** The outcome of one attempt, written with the checkpoint it moves (or the failure it counts) in one transaction. */
export interface AttemptOutcome {
  readonly delivery: Omit<DeliveryRecord, 'seq'>;
  readonly delivered: boolean;
  readonly maxAttempts: number;
}

/**
 * Subscriptions, their checkpoints and their recent attempts, in the API's state database on
 * its durable connection (every commit reaches the disk), so that a delivery acknowledged by the
 * receiver is not sent again after a crash, except the one in flight.
 */
export class SubscriptionStore {
  private ready: Promise<void> | undefined;

  constructor(readonly db: SqlDb) {}

  setup(): Promise<void> {
    const lock =
      this.db.dialect === 'postgres' ? "SELECT pg_advisory_xact_lock(hashtext('accord.webhooks.setup'));" : '';
    this.ready ??= this.db.exec(`${lock}${DDL}`).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async insert(record: SubscriptionRecord): Promise<void> {
    await this.setup();
    await this.db.execute(
      `INSERT INTO webhook_subscriptions (id, url, secret, filter, owner_party, state, checkpoint, failures, attempts,
         last_error, generation, created_at, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, 0, ?, 0)`,
      [
        record.id,
        record.url,
        record.secret,
        JSON.stringify(record.filter),
        record.ownerParty,
        record.state,
        record.checkpoint,
        record.createdAt,
      ],
    );
  }

  async get(id: string, runner: SqlRunner = this.db): Promise<SubscriptionRecord | undefined> {
    await this.setup();
    const [row] = await runner.query<SubscriptionRow>(
      'SELECT * FROM webhook_subscriptions WHERE id = ? AND deleted = 0',
      [id],
    );
    return row ? toRecord(row) : undefined;
  }

  /** Every subscription (of one party when `ownerParty` is given), oldest first. */
  async list(ownerParty?: string): Promise<SubscriptionRecord[]> {
    await this.setup();
    const rows =
      ownerParty === undefined
        ? await this.db.query<SubscriptionRow>(
            'SELECT * FROM webhook_subscriptions WHERE deleted = 0 ORDER BY created_at, id',
          )
        : await this.db.query<SubscriptionRow>(
            'SELECT * FROM webhook_subscriptions WHERE deleted = 0 AND owner_party = ? ORDER BY created_at, id',
            [ownerParty],
          );
    return rows.map(toRecord);
  }

  /** A row read inside a transaction, locked on PostgreSQL (SQLite's transactions re-run when what they read changed). */
  private async lockedRow(tx: SqlRunner, id: string): Promise<SubscriptionRecord | undefined> {
    const [row] = await tx.query<SubscriptionRow>(
      `SELECT * FROM webhook_subscriptions WHERE id = ? AND deleted = 0${this.db.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? toRecord(row) : undefined;
  }

  /** Pause, resume or replay: a new state (and checkpoint), failures cleared, the generation moved on. */
  async change(
    id: string,
    change: { state: SubscriptionState; checkpoint?: number; clearFailures?: boolean },
  ): Promise<SubscriptionRecord | undefined> {
    await this.setup();
    return this.db.transaction(async (tx) => {
      const current = await this.lockedRow(tx, id);
      if (!current) return undefined;
      const next: SubscriptionRecord = {
        ...current,
        state: change.state,
        checkpoint: change.checkpoint ?? current.checkpoint,
        failures: change.clearFailures ? 0 : current.failures,
        generation: current.generation + 1,
      };
      await tx.execute(
        'UPDATE webhook_subscriptions SET state = ?, checkpoint = ?, failures = ?, generation = ? WHERE id = ?',
        [next.state, next.checkpoint, next.failures, next.generation, id],
      );
      return next;
    });
  }

  /** Deletes it and its attempts. The row is gone, so a delivery loop's next write finds nothing to move. */
  async remove(id: string): Promise<boolean> {
    await this.setup();
    return this.db.transaction(async (tx) => {
      if (!(await this.lockedRow(tx, id))) return false;
      await tx.execute('DELETE FROM webhook_subscriptions WHERE id = ?', [id]);
      await tx.execute('DELETE FROM webhook_deliveries WHERE subscription_id = ?', [id]);
      return true;
    });
  }

  async deliveries(id: string): Promise<DeliveryRecord[]> {
    await this.setup();
    const rows = await this.db.query<Record<string, unknown>>(
      'SELECT * FROM webhook_deliveries WHERE subscription_id = ? ORDER BY seq DESC LIMIT ?',
      [id, KEPT_DELIVERIES],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      webhookId: String(row.webhook_id),
      eventId: String(row.event_id),
      position: Number(row.position),
      attempt: Number(row.attempt),
      statusCode: row.status_code === null ? null : Number(row.status_code),
      error: row.error === null ? null : String(row.error),
      durationMs: Number(row.duration_ms),
      at: String(row.at),
    }));
  }

  /**
   * Records an attempt and, when it succeeded, moves the checkpoint to its event; when it failed,
   * counts the failure and parks the subscription at `maxAttempts`. One transaction, written only
   * while the generation is the one the loop read and `holder` still holds the lease: a paused,
   * replayed or deleted subscription, or an instance that lost its lease, changes nothing.
   * Resolves with the subscription as it now is, or undefined when the write was refused.
   */
  async recordAttempt(
    sub: SubscriptionRecord,
    holder: string,
    outcome: AttemptOutcome,
  ): Promise<SubscriptionRecord | undefined> {
    const d = outcome.delivery;
    return this.db.transaction(async (tx) => {
      // One read for the row (locked on PostgreSQL) and the lease's holder: a round trip less per delivery.
      const [row] = await tx.query<SubscriptionRow & { lease_holder: string | null }>(
        `SELECT s.*, (SELECT holder FROM webhook_lease WHERE name = ?) AS lease_holder
         FROM webhook_subscriptions s WHERE s.id = ? AND s.deleted = 0${this.db.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
        [LEASE, sub.id],
      );
      const current = row ? toRecord(row) : undefined;
      const lease = row ? { holder: row.lease_holder } : undefined;
      if (!current || current.generation !== sub.generation || current.state !== 'active') return undefined;
      if (lease?.holder !== holder) return undefined;
      const failures = outcome.delivered ? 0 : current.failures + 1;
      const parked = !outcome.delivered && failures >= outcome.maxAttempts;
      const next: SubscriptionRecord = {
        ...current,
        checkpoint: outcome.delivered ? Math.max(current.checkpoint, d.position) : current.checkpoint,
        failures,
        attempts: current.attempts + 1,
        lastError: outcome.delivered ? current.lastError : (d.error ?? `HTTP ${d.statusCode}`),
        state: parked ? 'parked' : 'active',
        generation: current.generation + (parked ? 1 : 0),
      };
      await tx.execute(
        `UPDATE webhook_subscriptions SET checkpoint = ?, failures = ?, attempts = ?, last_error = ?, state = ?,
           generation = ? WHERE id = ?`,
        [next.checkpoint, next.failures, next.attempts, next.lastError, next.state, next.generation, sub.id],
      );
      await tx.execute(
        `INSERT INTO webhook_deliveries (subscription_id, seq, webhook_id, event_id, position, attempt, status_code,
           error, duration_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          sub.id,
          next.attempts,
          d.webhookId,
          d.eventId,
          d.position,
          d.attempt,
          d.statusCode,
          d.error,
          d.durationMs,
          d.at,
        ],
      );
      // Older attempts are trimmed every tenth attempt (the list reads the newest 100 only).
      if (next.attempts % 10 === 0) {
        await tx.execute('DELETE FROM webhook_deliveries WHERE subscription_id = ? AND seq <= ?', [
          sub.id,
          next.attempts - KEPT_DELIVERIES,
        ]);
      }
      return next;
    });
  }

  /** Moves the checkpoint past events that do not match (no attempt to record), under the same conditions. */
  async skipTo(sub: SubscriptionRecord, holder: string, position: number): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE webhook_subscriptions SET checkpoint = ?
       WHERE id = ? AND generation = ? AND deleted = 0 AND state = 'active' AND checkpoint < ?
         AND EXISTS (SELECT 1 FROM webhook_lease WHERE name = ? AND holder = ?)`,
      [position, sub.id, sub.generation, position, LEASE, holder],
    );
    return changed > 0;
  }

  /**
   * Takes or renews the delivery lease for `holder` until `now + leaseMs`: taken when free,
   * expired or already held by it. Only the holder's loops deliver.
   */
  async acquireLease(holder: string, now: number, leaseMs: number): Promise<boolean> {
    await this.setup();
    const changed = await this.db.execute(
      `INSERT INTO webhook_lease (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE webhook_lease.holder = excluded.holder OR webhook_lease.expires_at < ?`,
      [LEASE, holder, now + leaseMs, now],
    );
    return changed > 0;
  }

  async releaseLease(holder: string): Promise<void> {
    await this.setup();
    await this.db.execute('DELETE FROM webhook_lease WHERE name = ? AND holder = ?', [LEASE, holder]);
  }
}
