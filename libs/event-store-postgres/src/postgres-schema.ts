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
 * - `append_group` writes a group of appends in one statement, hence one transaction and
 *   one commit flush (docs/decisions/0008-postgres-group-commit.md). It locks the group's
 *   streams in sorted order, then the counter, looks up the group's ids, and decides each
 *   append in turn in memory, so each sees the revisions and ids of the appends before it;
 *   then it writes the accepted ones in a few set-based statements. An append whose ids
 *   are recorded already, or whose expected revision does not hold, is not written: it
 *   comes back as `rejected`, with its stream's revision and the events holding its ids
 *   as it saw them, for the store to name the error (or the idempotent result) exactly as
 *   for a lone append. Expected revisions arrive as -1 no_stream, -2 stream_exists, -3 any.
 *   `p_shared_keys` says whether two appends of the group share an id; only then are
 *   the ids compared within the group. With `p_look_up_ids` false, the ids recorded before
 *   the group are not looked up: one of them fails the insert on the unique index (no
 *   other append can hold an uncommitted one, as inserts happen under the counter lock),
 *   and the store sends the group again with the lookup.
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
  `CREATE FUNCTION append_group(
     p_streams text[], p_append_stream integer[], p_expected bigint[], p_counts integer[],
     p_event_append integer[], p_keys text[], p_ids text[], p_types text[], p_versions integer[],
     p_data json[], p_metadata json[], p_shared_keys boolean, p_look_up_ids boolean, p_channel text
   ) RETURNS TABLE (
     r_append integer, r_kind text, r_position bigint, r_stream_id text, r_revision bigint, r_id text,
     r_type text, r_schema_version integer, r_data json, r_metadata json, r_recorded_at text
   ) LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   DECLARE
     v_appends integer := coalesce(array_length(p_counts, 1), 0);
     v_revisions bigint[];
     v_head bigint;
     v_next bigint;
     v_at timestamptz;
     v_at_text text;
     v_hit integer[] := '{}';
     v_first_position bigint[] := array_fill(NULL::bigint, ARRAY[v_appends]);
     v_first_revision bigint[] := array_fill(NULL::bigint, ARRAY[v_appends]);
     v_rejected integer[] := '{}';
     v_rejected_last bigint[] := '{}';
     v_rejected_horizon bigint[] := '{}';
     v_written_keys text[] := '{}';
     v_keys text[];
     v_first integer := 1;
     v_stream integer;
     v_last bigint;
     v_expected bigint;
     v_taken boolean;
   BEGIN
     -- The group's streams arrive sorted, and are locked in that order, so that two groups
     -- cannot deadlock; a new stream's row is inserted, which locks it too.
     WITH locked AS (
       INSERT INTO streams AS s (stream_id, revision)
         SELECT u.stream_id, -1 FROM unnest(p_streams) WITH ORDINALITY AS u (stream_id, n) ORDER BY u.n
       ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision
       RETURNING s.stream_id, s.revision
     )
     SELECT array_agg(l.revision ORDER BY u.n) INTO v_revisions
     FROM unnest(p_streams) WITH ORDINALITY AS u (stream_id, n) JOIN locked AS l USING (stream_id);
     -- Taken after the streams and held to commit: positions in commit order (0005). No
     -- other append inserts while it is held, so this lookup misses no recorded id.
     SELECT c.position INTO v_head FROM event_store_position AS c FOR UPDATE;
     v_next := v_head;
     v_at := date_trunc('milliseconds', clock_timestamp());
     v_at_text := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
     -- Without the lookup, an id recorded already fails the insert below on the unique index;
     -- the store then sends the group again with the lookup. EXECUTE, here and below, plans a
     -- lookup of a few keys in a large table afresh: a plan cached while it was small scans it.
     IF p_look_up_ids THEN
       EXECUTE 'SELECT coalesce(array_agg(DISTINCT u.a), ''{}'')
                FROM unnest($1, $2) AS u (k, a) JOIN events AS e ON lower(e.id) = u.k'
         INTO v_hit USING p_keys, p_event_append;
     END IF;

     -- Each append in turn, in memory: it sees the revisions and ids of those before it.
     FOR i IN 1 .. v_appends LOOP
       v_stream := p_append_stream[i];
       v_last := v_revisions[v_stream];
       v_expected := p_expected[i];
       v_taken := i = ANY (v_hit);
       IF p_shared_keys THEN
         v_keys := p_keys[v_first : v_first + p_counts[i] - 1];
         v_taken := v_taken OR v_keys && v_written_keys;
       END IF;
       IF v_taken OR NOT (v_expected = -3 OR (v_expected = -2 AND v_last >= 0) OR v_expected = v_last) THEN
         v_rejected := v_rejected || i;
         v_rejected_last := v_rejected_last || v_last;
         v_rejected_horizon := v_rejected_horizon || v_next;
       ELSE
         v_first_position[i] := v_next + 1;
         v_first_revision[i] := v_last + 1;
         v_revisions[v_stream] := v_last + p_counts[i];
         v_next := v_next + p_counts[i];
         IF p_shared_keys THEN
           v_written_keys := v_written_keys || v_keys;
         END IF;
       END IF;
       v_first := v_first + p_counts[i];
     END LOOP;

     IF v_next > v_head THEN
       INSERT INTO events (position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at)
         SELECT a.first_position + e.k, st.stream_id, a.first_revision + e.k,
                e.id, e.type, e.schema_version, e.data, e.metadata, v_at
         FROM (SELECT u.*, u.n - min(u.n) OVER (PARTITION BY u.a) AS k
               FROM unnest(p_event_append, p_ids, p_types, p_versions, p_data, p_metadata)
                      WITH ORDINALITY AS u (a, id, type, schema_version, data, metadata, n)) AS e
         JOIN unnest(p_append_stream, v_first_position, v_first_revision)
                WITH ORDINALITY AS a (stream, first_position, first_revision, n) ON a.n = e.a
         JOIN unnest(p_streams) WITH ORDINALITY AS st (stream_id, n) ON st.n = a.stream
         WHERE a.first_position IS NOT NULL;
       -- An upsert of rows that exist: it finds them through the index whatever the plan.
       INSERT INTO streams AS s (stream_id, revision)
         SELECT u.stream_id, u.revision FROM unnest(p_streams, v_revisions) AS u (stream_id, revision)
         WHERE u.revision >= 0
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision WHERE s.revision <> excluded.revision;
       UPDATE event_store_position SET position = v_next;
       PERFORM pg_notify(p_channel, v_next::text);
     END IF;
     -- The row of a new stream whose appends were all rejected goes, as a rollback would take it.
     IF -1 = ANY (v_revisions) THEN
       EXECUTE 'DELETE FROM streams AS s
                WHERE s.stream_id IN (SELECT u.stream_id FROM unnest($1, $2) AS u (stream_id, revision)
                                      WHERE u.revision = -1)'
         USING p_streams, v_revisions;
     END IF;

     RETURN QUERY SELECT a.n::integer, 'written', a.first_position, NULL, a.first_revision, NULL, NULL,
       NULL::integer, NULL::json, NULL::json, v_at_text
     FROM unnest(v_first_position, v_first_revision) WITH ORDINALITY AS a (first_position, first_revision, n)
     WHERE a.first_position IS NOT NULL;
     -- A rejected append, with the revision and the events holding its ids as it saw them.
     FOR j IN 1 .. coalesce(array_length(v_rejected, 1), 0) LOOP
       RETURN QUERY SELECT v_rejected[j], 'rejected', NULL::bigint, NULL, v_rejected_last[j], NULL, NULL,
         NULL::integer, NULL::json, NULL::json, NULL;
       RETURN QUERY EXECUTE 'SELECT $1, ''found'', e.position, e.stream_id, e.revision, e.id, e.type,
           e.schema_version, e.data, e.metadata,
           to_char(e.recorded_at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'')
         FROM events AS e
         WHERE lower(e.id) IN (SELECT u.k FROM unnest($2, $3) AS u (k, a) WHERE u.a = $1) AND e.position <= $4'
         USING v_rejected[j], p_keys, p_event_append, v_rejected_horizon[j];
     END LOOP;
   END $$;`,
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
