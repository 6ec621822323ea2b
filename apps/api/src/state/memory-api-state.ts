import type { ApiKeyRecord, ApiStateStore, IdempotencyRecord } from './api-state.port';

export class MemoryApiState implements ApiStateStore {
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();

  async putKey(record: ApiKeyRecord): Promise<void> {
    this.keys.set(record.id, record);
  }
  async findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return [...this.keys.values()].find((k) => k.keyHash === keyHash);
  }
  async findKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    return this.keys.get(id);
  }
  async getIdempotency(principalId: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.idempotency.get(`${principalId}\n${key}`);
  }
  async putIdempotency(record: IdempotencyRecord): Promise<void> {
    const id = `${record.principalId}\n${record.key}`;
    if (!this.idempotency.has(id)) this.idempotency.set(id, record);
  }
  async close(): Promise<void> {}
}
