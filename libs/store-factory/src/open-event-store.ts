import type { EventStore } from '@accord/event-store';
import { InMemoryEventStore } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { parseStoreUrl, StoreUrlError } from './store-url';

/** Opens the store a URL names. The API and the CLI both come through here. */
export async function openEventStore(url: string | undefined): Promise<EventStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case 'memory':
      return new InMemoryEventStore();
    case 'sqlite':
      return SqliteEventStore.open(location.filename);
    case 'postgres':
    case 'kurrentdb':
      throw new StoreUrlError(`The ${location.kind} store is not available in this build yet`);
  }
}
