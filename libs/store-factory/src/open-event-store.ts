import type { EventStore } from '@accord/event-store';
import { InMemoryEventStore } from '@accord/event-store';
import { KurrentDbEventStore } from '@accord/event-store-kurrentdb';
import { PostgresEventStore } from '@accord/event-store-postgres';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { parseStoreUrl, postgresTarget } from './store-url';

export interface OpenOptions {
  /** SQLite: run WAL checkpoints on a thread of their own this often (see SqliteEventStoreOptions). */
  readonly sqliteCheckpointEveryMs?: number;
}

/** Opens the store a URL names. The API and the CLI both come through here. */
export async function openEventStore(url: string | undefined, options: OpenOptions = {}): Promise<EventStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case 'memory':
      return new InMemoryEventStore();
    case 'sqlite':
      return SqliteEventStore.open(location.filename, { checkpointEveryMs: options.sqliteCheckpointEveryMs });
    case 'postgres': {
      const target = postgresTarget(location.url);
      return PostgresEventStore.open(target.url, { schema: target.schema });
    }
    case 'kurrentdb':
      return KurrentDbEventStore.open(location.url);
  }
}
