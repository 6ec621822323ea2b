import { parseStoreUrl } from '@accord/store-factory';
import { SqliteApiState } from './sqlite-api-state';

/**
 * Opens the database beside the event store the URL names: the same SQLite file for a
 * SQLite store, a private in-memory SQLite database for `memory:`. It holds API keys,
 * idempotency records, read models and checkpoints.
 */
export function openApiState(storeUrl: string): SqliteApiState {
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'sqlite') return new SqliteApiState(location.filename);
  if (location.kind === 'memory') return new SqliteApiState(':memory:');
  throw new Error(`API state for a ${location.kind} store is not available in this build yet`);
}
