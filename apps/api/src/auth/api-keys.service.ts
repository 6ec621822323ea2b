import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parseInstant } from '@accord/audit';
import { withArticle } from '@accord/commitments';
import type { ApiKeyRecord, ApiStateStore } from '../infrastructure/state/api-state.port';
import { PARTY_ROLES, Principal, Role } from './principal';

/**
 * How long a resolved key is trusted before its row is read again. A key revoked or deleted
 * anywhere (another instance, the CLI, by hand) is refused by every instance within this
 * long, plus one query; expiry needs no query at all. One read per key per interval, not
 * one per request.
 */
export const KEY_RECHECK_MS = 1_000;
/** A key's last use is written at most this often (per key and instance, and skipped when another did). */
export const LAST_USED_EVERY_MS = 60_000;
/** Resolved keys kept per instance; past it the cache starts over (keys are few, this is a guard). */
const MAX_CACHED_KEYS = 10_000;

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A key is 32 random bytes, base64url, with a prefix that makes a leaked key easy to grep for. */
const newKey = (): string => `acc_${randomBytes(32).toString('base64url')}`;

export class ApiKeyError extends Error {
  constructor(
    message: string,
    /** The input at fault. */
    readonly field: string,
  ) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

/** Revoking this key would leave no active admin key. */
export class LastAdminKeyError extends Error {
  constructor(id: string) {
    super(
      `Key ${id} is the only active admin key: issue another admin key first, or rotate (accord keys rotate-admin)`,
    );
    this.name = 'LastAdminKeyError';
  }
}

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** What a key list shows: everything but the secret (and its hash). */
export interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly party: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly status: KeyStatus;
}

export type KeyCheck = { readonly principal: Principal } | { readonly refused: string };

interface Cached {
  readonly record: ApiKeyRecord;
  readonly principal: Principal;
  /** When the row was read (the query's start). */
  readonly checkedAt: number;
  /** The last use written (or seen written), ms. */
  usedAt: number;
}

export interface ApiKeysOptions {
  readonly now?: () => number;
  readonly recheckMs?: number;
  readonly lastUsedEveryMs?: number;
  /** A last-use write failed (it is best effort: the request goes on). */
  readonly onTouchError?: (error: unknown) => void;
}

/**
 * Issues, lists, revokes and resolves API keys. Keys are stored hashed. A resolved key is
 * cached for at most `recheckMs`, so that revocation reaches every instance.
 */
export class ApiKeys {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<Cached | undefined>>();
  private readonly now: () => number;
  readonly recheckMs: number;
  private readonly lastUsedEveryMs: number;
  private readonly onTouchError: (error: unknown) => void;

  constructor(
    private readonly state: ApiStateStore,
    options: ApiKeysOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.recheckMs = options.recheckMs ?? KEY_RECHECK_MS;
    this.lastUsedEveryMs = options.lastUsedEveryMs ?? LAST_USED_EVERY_MS;
    this.onTouchError = options.onTouchError ?? (() => undefined);
  }

  async create(input: {
    name: string;
    role: Role;
    party?: string | null;
    expiresAt?: string | null;
  }): Promise<{ id: string; key: string; principal: Principal; expiresAt: string | null }> {
    const party = input.party ?? null;
    if (PARTY_ROLES.includes(input.role) && !party) {
      throw new ApiKeyError(`${withArticle(`${input.role} key`, { capital: true })} must name its party`, 'party');
    }
    if (!PARTY_ROLES.includes(input.role) && party) {
      throw new ApiKeyError(`${withArticle(`${input.role} key`, { capital: true })} acts for no party`, 'party');
    }
    const now = this.now();
    const expiresAt = input.expiresAt == null ? null : futureInstant(input.expiresAt, now);
    const key = newKey();
    const record = newRecord({ name: input.name, role: input.role, party, keyHash: hashKey(key), now, expiresAt });
    await this.state.putKey(record);
    return { id: record.id, key, principal: toPrincipal(record), expiresAt };
  }

  async list(): Promise<KeyView[]> {
    const now = this.now();
    return (await this.state.listKeys()).map((record) => toView(record, now));
  }

  /**
   * Revokes a key (a second revocation keeps the first instant). Undefined when there is no
   * such key. The last active admin key is kept: revoking it would leave nobody to issue keys.
   */
  async revoke(id: string): Promise<KeyView | undefined> {
    const record = await this.state.findKeyById(id);
    if (!record) return undefined;
    const now = this.now();
    if (record.role === 'admin' && statusOf(record, now) === 'active') {
      const admins = (await this.state.listKeys()).filter((k) => k.role === 'admin' && statusOf(k, now) === 'active');
      if (admins.every((k) => k.id === id)) throw new LastAdminKeyError(id);
    }
    await this.state.revokeKey(id, new Date(now).toISOString());
    this.forget(id);
    const revoked = await this.state.findKeyById(id);
    return revoked && toView(revoked, now);
  }

  /** Issues a new admin key and revokes every other admin key. The new key is returned once. */
  async rotateAdmin(): Promise<{ id: string; key: string; revoked: string[] }> {
    const key = newKey();
    const { id, revoked } = await this.installAdmin(hashKey(key), 'administrator (rotated)');
    return { id, key, revoked };
  }

  /**
   * Makes sure an admin key exists. `configuredKey` (ACCORD_ADMIN_KEY) not seen before is a
   * rotation to it: it is issued and every other admin key revoked. A configured key that was
   * revoked (a rotation since) or expired is never reinstated: it stays refused, with a warning.
   * Without `configuredKey`, a first start (no admin key ever) generates one, to print once.
   */
  async ensureAdmin(configuredKey: string | undefined): Promise<{ generatedKey?: string; warning?: string }> {
    const now = this.now();
    if (configuredKey) {
      const found = await this.state.findKeyByHash(hashKey(configuredKey));
      if (!found) {
        await this.installAdmin(hashKey(configuredKey), 'administrator (ACCORD_ADMIN_KEY)');
        return {};
      }
      if (found.role !== 'admin') {
        throw new ApiKeyError(`ACCORD_ADMIN_KEY is the ${found.role} key ${found.id}, not an admin key`, 'adminKey');
      }
      const status = statusOf(found, now);
      if (status === 'active') return {};
      return {
        warning:
          `ACCORD_ADMIN_KEY is ${status} (key ${found.id}) and is refused: it is never reinstated. ` +
          'Set ACCORD_ADMIN_KEY to the current admin key (the one `accord keys rotate-admin` printed) or to a new one.',
      };
    }
    const admins = (await this.state.listKeys()).filter((k) => k.role === 'admin');
    if (admins.length === 0) {
      const key = newKey();
      await this.installAdmin(hashKey(key), 'administrator (generated at first start)');
      return { generatedKey: key };
    }
    if (admins.some((k) => statusOf(k, now) === 'active')) return {};
    return { warning: 'No admin key is active (all revoked or expired): `accord keys rotate-admin` issues one' };
  }

  /** The principal a key stands for, or why it is refused. */
  async check(key: string): Promise<KeyCheck> {
    const hash = hashKey(key);
    let entry = this.cache.get(hash);
    if (!entry || this.now() - entry.checkedAt >= this.recheckMs) entry = await this.load(hash);
    if (!entry) return { refused: 'The API key is not valid' };
    const now = this.now();
    const status = statusOf(entry.record, now);
    if (status === 'revoked') return { refused: 'The API key was revoked' };
    if (status === 'expired') return { refused: `The API key expired at ${entry.record.expiresAt}` };
    this.noteUse(entry, now);
    return { principal: entry.principal };
  }

  /** One query per key at a time: concurrent requests with the same key share it. */
  private load(hash: string): Promise<Cached | undefined> {
    let pending = this.loading.get(hash);
    if (!pending) {
      const checkedAt = this.now();
      pending = this.state
        .findKeyByHash(hash)
        .then((record) => {
          if (!record) {
            this.cache.delete(hash);
            return undefined;
          }
          const entry: Cached = {
            record,
            principal: toPrincipal(record),
            checkedAt,
            usedAt: Math.max(this.cache.get(hash)?.usedAt ?? -Infinity, instantMs(record.lastUsedAt)),
          };
          if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
          this.cache.set(hash, entry);
          return entry;
        })
        .finally(() => this.loading.delete(hash));
      this.loading.set(hash, pending);
    }
    return pending;
  }

  /** Writes the last use at most once per `lastUsedEveryMs`, in the background and never waiting for a lock. */
  private noteUse(entry: Cached, now: number): void {
    if (now - entry.usedAt < this.lastUsedEveryMs) return;
    entry.usedAt = now;
    const at = new Date(now).toISOString();
    const notBefore = new Date(now - this.lastUsedEveryMs).toISOString();
    this.state.touchKey(entry.record.id, at, notBefore).catch(this.onTouchError);
  }

  private forget(id: string): void {
    for (const [hash, entry] of this.cache) if (entry.record.id === id) this.cache.delete(hash);
  }

  /**
   * Issues an admin key with this hash and revokes every other admin key: two statements, no
   * transaction (a crash between them leaves the old keys active, and the next rotation
   * revokes them). A concurrent install of the same key (two instances starting with one new
   * ACCORD_ADMIN_KEY) finds the other's row.
   */
  private async installAdmin(keyHash: string, name: string): Promise<{ id: string; revoked: string[] }> {
    const now = this.now();
    const record = newRecord({ name, role: 'admin', party: null, keyHash, now, expiresAt: null });
    let id = record.id;
    try {
      await this.state.putKey(record);
    } catch (error) {
      const existing = await this.state.findKeyByHash(keyHash);
      if (!existing) throw error;
      id = existing.id;
    }
    const at = new Date(now).toISOString();
    const revoked: string[] = [];
    for (const other of await this.state.listKeys()) {
      if (other.role !== 'admin' || other.id === id || other.revokedAt !== null) continue;
      if (await this.state.revokeKey(other.id, at)) revoked.push(other.id);
      this.forget(other.id);
    }
    return { id, revoked };
  }
}

export function statusOf(record: ApiKeyRecord, now: number): KeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && instantMs(record.expiresAt) <= now) return 'expired';
  return 'active';
}

const toView = (r: ApiKeyRecord, now: number): KeyView => ({
  id: r.id,
  name: r.name,
  role: r.role,
  party: r.party,
  createdAt: r.createdAt,
  lastUsedAt: r.lastUsedAt,
  expiresAt: r.expiresAt,
  revokedAt: r.revokedAt,
  status: statusOf(r, now),
});

const newRecord = (input: {
  name: string;
  role: Role;
  party: string | null;
  keyHash: string;
  now: number;
  expiresAt: string | null;
}): ApiKeyRecord => ({
  id: randomUUID(),
  name: input.name,
  role: input.role,
  party: input.party,
  keyHash: input.keyHash,
  createdAt: new Date(input.now).toISOString(),
  expiresAt: input.expiresAt,
  revokedAt: null,
  lastUsedAt: null,
});

/** An ISO-8601 instant with its offset, after `now`, in UTC (`…Z`). */
function futureInstant(text: string, now: number): string {
  const ms = parseInstant(text);
  if (ms === undefined) {
    throw new ApiKeyError(
      `expiresAt must be an ISO-8601 instant with an offset, e.g. 2027-01-31T12:00:00Z`,
      'expiresAt',
    );
  }
  if (ms <= now) throw new ApiKeyError(`expiresAt must be in the future, not ${text}`, 'expiresAt');
  return new Date(ms).toISOString();
}

const instantMs = (text: string | null): number => (text === null ? -Infinity : Date.parse(text));

const toPrincipal = (r: ApiKeyRecord): Principal => ({ id: r.id, name: r.name, role: r.role, party: r.party });
