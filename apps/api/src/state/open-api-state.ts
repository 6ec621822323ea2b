import { parseStoreUrl } from '@accord/store-factory';
import type { ApiStateStore } from './api-state.port';
import { MemoryApiState } from './memory-api-state';
import { SqliteApiState } from './sqlite-api-state';

/** Opens the API's side tables beside the event store the URL names. */
export function openApiState(storeUrl: string): ApiStateStore {
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'sqlite' && location.filename !== ':memory:') return new SqliteApiState(location.filename);
  if (location.kind === 'memory' || location.kind === 'sqlite') return new MemoryApiState();
  throw new Error(`API state for a ${location.kind} store is not available in this build yet`);
}
