import { PostgresDb, SqliteDb, type SqlDb } from '@accord/sql';
import { parseStoreUrl, postgresTarget, StoreUrlError } from '@accord/store-factory';
import { SqlApiState } from './sql-api-state';

/**
 * The database beside the event store: the same SQLite file for a SQLite store, a private
 * in-memory SQLite database for `memory:`, the same PostgreSQL database (and schema) for a
 * PostgreSQL store, and ACCORD_READ_MODEL for KurrentDB. It holds API keys, idempotency
 * records, read models and checkpoints.
 */
export function openSideDb(storeUrl: string, readModelUrl?: string, postgresSettings?: Record<string, string>): SqlDb {
  const location = parseStoreUrl(storeUrl);
  switch (location.kind) {
    case 'sqlite':
      return new SqliteDb(location.filename);
    case 'memory':
      return new SqliteDb(':memory:');
    case 'postgres': {
      const target = postgresTarget(location.url);
      return new PostgresDb(target.url, { schema: target.schema, settings: postgresSettings });
    }
    case 'kurrentdb': {
      if (!readModelUrl) {
        throw new StoreUrlError(
          'A KurrentDB store keeps its read models in ACCORD_READ_MODEL (sqlite:… or postgres://…)',
        );
      }
      const readModel = parseStoreUrl(readModelUrl);
      if (readModel.kind === 'kurrentdb') throw new StoreUrlError('ACCORD_READ_MODEL must be SQLite or PostgreSQL');
      return openSideDb(readModelUrl, undefined, postgresSettings);
    }
  }
}

export function openApiState(storeUrl: string, readModelUrl?: string): SqlApiState {
  return new SqlApiState(openSideDb(storeUrl, readModelUrl));
}

/**
 * A connection of its own for the workers' writes (read models, checkpoints), committing
 * without waiting for the disk (decision 0009): SQLite's `synchronous = NORMAL` in WAL mode,
 * PostgreSQL's `synchronous_commit = off`. A crash can lose the last few of these commits,
 * never half of one: rows and checkpoint go together, and the lost events are read again
 * from the log. Keys and idempotency records keep the durable connection of openSideDb.
 */
export function openWorkersDb(storeUrl: string, readModelUrl?: string): SqlDb {
  const db = openSideDb(storeUrl, readModelUrl, { synchronous_commit: 'off' });
  if (db instanceof SqliteDb) db.raw.pragma('synchronous = NORMAL');
  return leaveCheckpointsToTheStore(db, storeUrl);
}

/**
 * In the API, a SQLite store checkpoints its WAL on a thread of its own (decision 0011): the
 * other connections to the same file must not checkpoint inside their commits either.
 */
export function leaveCheckpointsToTheStore(db: SqlDb, storeUrl: string): SqlDb {
  if (db instanceof SqliteDb && parseStoreUrl(storeUrl).kind === 'sqlite') db.raw.pragma('wal_autocheckpoint = 0');
  return db;
}

/**
 * The connection idempotency claims are written on (decision 0015). Where the side database
 * is the store's own (a SQLite file, a PostgreSQL database), claims commit without waiting for
 * the disk: the append that follows a claim flushes the same WAL, the claim's record before
 * it, so no effect is acknowledged whose claim a crash could lose. Elsewhere (KurrentDB, whose
 * log is not in this database, and `memory:`) claims share the durable connection `fallback`.
 */
export function openIdempotencyDb(storeUrl: string, readModelUrl: string | undefined, fallback: SqlDb): SqlDb {
  const kind = parseStoreUrl(storeUrl).kind;
  if (kind !== 'sqlite' && kind !== 'postgres') return fallback;
  const db = openSideDb(storeUrl, readModelUrl, { synchronous_commit: 'off' });
  if (db instanceof SqliteDb) db.raw.pragma('synchronous = NORMAL');
  return leaveCheckpointsToTheStore(db, storeUrl);
}
