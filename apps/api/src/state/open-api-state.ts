import { PostgresDb, SqliteDb, type SqlDb } from '@accord/projections';
import { parseStoreUrl, StoreUrlError } from '@accord/store-factory';
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
    case 'postgres':
      return new PostgresDb(location.url, { schema: schemaOf(location.url) });
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

/** `?schema=<name>` on a PostgreSQL URL puts everything of accord in that schema. */
export function schemaOf(url: string): string | undefined {
  const schema = new URL(url).searchParams.get('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new StoreUrlError(`schema "${schema}" must be lower-case letters, digits and _`);
  }
  return schema ?? undefined;
}

export function openApiState(storeUrl: string, readModelUrl?: string): SqlApiState {
  return new SqlApiState(openSideDb(storeUrl, readModelUrl));
}
