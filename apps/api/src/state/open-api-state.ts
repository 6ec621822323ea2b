import { PostgresDb, SqliteDb, type SqlDb } from '@accord/projections';
import { parseStoreUrl, postgresTarget, StoreUrlError } from '@accord/store-factory';
import { SqlApiState } from './sql-api-state';

/**
 * The database beside the event store: the same SQLite file for a SQLite store, a private
 * in-memory SQLite database for `memory:`, the same PostgreSQL database (and schema) for a
 * PostgreSQL store, and ACCORD_READ_MODEL for KurrentDB. It holds API keys, idempotency
 * records, read models and checkpoints.
 */
export function openSideDb(storeUrl: string, readModelUrl?: string): SqlDb {
  const location = parseStoreUrl(storeUrl);
  switch (location.kind) {
    case 'sqlite':
      return new SqliteDb(location.filename);
    case 'memory':
      return new SqliteDb(':memory:');
    case 'postgres': {
      const target = postgresTarget(location.url);
      return new PostgresDb(target.url, { schema: target.schema });
    }
    case 'kurrentdb': {
      if (!readModelUrl) {
        throw new StoreUrlError(
          'A KurrentDB store keeps its read models in ACCORD_READ_MODEL (sqlite:… or postgres://…)',
        );
      }
      const readModel = parseStoreUrl(readModelUrl);
      if (readModel.kind === 'kurrentdb') throw new StoreUrlError('ACCORD_READ_MODEL must be SQLite or PostgreSQL');
      return openSideDb(readModelUrl);
    }
  }
}

export function openApiState(storeUrl: string, readModelUrl?: string): SqlApiState {
  return new SqlApiState(openSideDb(storeUrl, readModelUrl));
}
