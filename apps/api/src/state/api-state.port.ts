import type { Role } from '../auth/principal';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly party: string | null;
  /** SHA-256 of the key, hex; the key itself is never stored. */
  readonly keyHash: string;
  readonly createdAt: string;
}

/** The first response to a command sent with an Idempotency-Key, kept to answer retries. */
export interface IdempotencyRecord {
  readonly principalId: string;
  readonly key: string;
  readonly requestHash: string;
  readonly status: number;
  readonly body: string;
  readonly etag: string | null;
  readonly createdAt: string;
}

/**
 * What the API keeps outside the event log: hashed API keys and idempotency records.
 * It lives beside the store (the same SQLite file), so it survives restarts with it.
 */
export interface ApiStateStore {
  putKey(record: ApiKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findKeyById(id: string): Promise<ApiKeyRecord | undefined>;
  getIdempotency(principalId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Keeps the first record for (principal, key); a later one is ignored. */
  putIdempotency(record: IdempotencyRecord): Promise<void>;
  close(): Promise<void>;
}
