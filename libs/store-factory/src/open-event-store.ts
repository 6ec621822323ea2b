import type { EventStore } from '@accord/event-store';
import { parseStoreUrl, postgresTarget } from './store-url';

export interface OpenOptions {
  /** SQLite: run WAL checkpoints on a thread of their own this often (see SqliteEventStoreOptions). */
  readonly sqliteCheckpointEveryMs?: number;
}

/**
 * Opens the store a URL names. The API, the CLI and the audit's verify workers all come
 * through here. Each adapter is loaded only when its kind of URL is opened: a SQLite user
 * (or a verify worker on a SQLite file) never loads the PostgreSQL driver or the KurrentDB
 * client, which take longer to load than the whole SQLite store takes to open.
 */
export async function openEventStore(url: string | undefined, options: OpenOptions = {}): Promise<EventStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case 'memory': {
      const { InMemoryEventStore } = await import('@accord/event-store');
      return new InMemoryEventStore();
    }
    case 'sqlite': {
      const { SqliteEventStore } = await import('@accord/event-store-sqlite');
      return SqliteEventStore.open(location.filename, { checkpointEveryMs: options.sqliteCheckpointEveryMs });
    }
    case 'postgres': {
      const { PostgresEventStore } = await import('@accord/event-store-postgres');
      const target = postgresTarget(location.url);
      return PostgresEventStore.open(target.url, { schema: target.schema });
    }
    case 'kurrentdb': {
      const { KurrentDbEventStore } = await import('@accord/event-store-kurrentdb');
      return KurrentDbEventStore.open(location.url);
    }
  }
}
