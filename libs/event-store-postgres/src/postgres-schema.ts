import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * Schema migrations, applied in order inside the store's schema; the row count of
 * `event_store_migrations` says how many ran. Append new entries, never edit old ones.
 *
 * - `data` and `metadata` are `json`, not `jsonb`: `json` keeps the writer's text as is,
 *   so every JSON string round-trips (jsonb rejects \u0000 and reorders keys).
 * - Positions come from the one-row `event_store_position` counter, updated inside the
 *   append transaction: its row lock, held until commit, makes position order commit
 *   order (docs/decisions/0005-postgres-global-order.md).
 * - `streams` holds each stream's last revision; appends lock its row to check the
 *   expected revision.
 * - Ids compare without case, as the reference store compares them lower-cased, and are
 *   kept as written.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE streams (
     stream_id text   PRIMARY KEY,
     revision  bigint NOT NULL
   );
   CREATE TABLE event_store_position (
     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     position  bigint  NOT NULL
   );
   INSERT INTO event_store_position (position) VALUES (0);
   CREATE TABLE events (
     position       bigint      PRIMARY KEY CHECK (position > 0),
     stream_id      text        NOT NULL,
     revision       bigint      NOT NULL CHECK (revision >= 0),
     id             text        NOT NULL,
     type           text        NOT NULL,
     schema_version integer     NOT NULL,
     data           json        NOT NULL,
     metadata       json        NOT NULL,
     recorded_at    timestamptz NOT NULL,
     CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision)
   );
   CREATE UNIQUE INDEX events_id_key ON events (lower(id));`,
];

/** Names of the unique constraints whose violations the store maps to its own errors. */
export const CONSTRAINTS = {
  streamRevision: 'events_stream_revision_key',
  eventId: 'events_id_key',
} as const;

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The NOTIFY channel of a schema's store; channel names are at most 63 bytes. */
export function channelFor(schema: string): string {
  const channel = `accord_events.${schema}`;
  if (Buffer.byteLength(channel) <= 63) return channel;
  return `accord_events.${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/**
 * Creates the schema and applies the missing migrations in one transaction, under a
 * transaction-scoped advisory lock: two processes starting at once on a fresh schema
 * take turns, and the second finds nothing left to do.
 */
export async function migrate(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `accord.event-store.migrate:${schema}`,
    ]);
    // Checked first: CREATE … IF NOT EXISTS still needs the CREATE privilege.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
    const table = await client.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [
      `${quoteIdentifier(schema)}.event_store_migrations`,
    ]);
    if (table.rows[0].table === null) {
      await client.query(
        `CREATE TABLE event_store_migrations (
           version    integer     PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    }
    const applied = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::integer AS version FROM event_store_migrations',
    );
    const version = applied.rows[0].version;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `Event store schema ${schema} is at version ${version}, newer than this accord (${MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v]);
      await client.query('INSERT INTO event_store_migrations (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(failed);
  }
}
