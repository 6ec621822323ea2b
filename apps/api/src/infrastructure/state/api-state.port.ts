import type { Role } from '../../auth/principal';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly party: string | null;
  /** SHA-256 of the key, hex; the key itself is never stored. */
  readonly keyHash: string;
  readonly createdAt: string;
  /** After this instant the key is refused; null: it never expires. */
  readonly expiresAt: string | null;
  /** When the key was revoked (it is refused from then on); null while it is not. */
  readonly revokedAt: string | null;
  /** The last request it authenticated, to the minute (writes are throttled); null: never used. */
  readonly lastUsedAt: string | null;
}

/**
 * What the API keeps outside the event log: hashed API keys and idempotency records.
 * It lives beside the store (the same SQLite file), so it survives restarts with it.
 */
export interface ApiStateStore {
  /** Inserts a key; a key with the same id or hash already there is an error. */
  putKey(record: ApiKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findKeyById(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked and expired ones included, oldest first. */
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked at `at`, unless it already is; false when no such key is unrevoked. */
  revokeKey(id: string, at: string): Promise<boolean>;
  /**
   * Records a use at `at` unless one at or after `notBefore` is recorded already. Best effort,
   * one statement, never waiting for a lock: false when it was skipped.
   */
  touchKey(id: string, at: string, notBefore: string): Promise<boolean>;
  close(): Promise<void>;
}
