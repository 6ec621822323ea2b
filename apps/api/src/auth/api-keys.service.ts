import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyRecord, ApiStateStore } from '../state/api-state.port';
import { PARTY_ROLES, Principal, Role } from './principal';

export const ADMIN_KEY_ID = 'admin';

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A key is 32 random bytes, base64url, with a prefix that makes a leaked key easy to grep for. */
const newKey = (): string => `acc_${randomBytes(32).toString('base64url')}`;

export class ApiKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

/** Issues and resolves API keys. Keys are stored hashed; a resolved key is cached. */
export class ApiKeys {
  private readonly cache = new Map<string, Principal>();

  constructor(private readonly state: ApiStateStore) {}

  async create(
    input: { name: string; role: Role; party?: string | null },
    now = new Date(),
  ): Promise<{ id: string; key: string; principal: Principal }> {
    const party = input.party ?? null;
    if (PARTY_ROLES.includes(input.role) && !party) throw new ApiKeyError(`A ${input.role} key must name its party`);
    if (!PARTY_ROLES.includes(input.role) && party) throw new ApiKeyError(`A ${input.role} key acts for no party`);
    const key = newKey();
    const record: ApiKeyRecord = {
      id: randomUUID(),
      name: input.name,
      role: input.role,
      party,
      keyHash: hashKey(key),
      createdAt: now.toISOString(),
    };
    await this.state.putKey(record);
    return { id: record.id, key, principal: toPrincipal(record) };
  }

  /**
   * Makes sure an admin key exists. With `configuredKey` (ACCORD_ADMIN_KEY) that key is
   * the admin key; without it, a first start generates one and returns it to print once.
   */
  async ensureAdmin(configuredKey: string | undefined, now = new Date()): Promise<{ generatedKey?: string }> {
    const existing = await this.state.findKeyById(ADMIN_KEY_ID);
    if (configuredKey) {
      if (existing?.keyHash !== hashKey(configuredKey)) {
        await this.state.putKey(adminRecord(hashKey(configuredKey), existing?.createdAt ?? now.toISOString()));
        this.cache.clear();
      }
      return {};
    }
    if (existing) return {};
    const key = newKey();
    await this.state.putKey(adminRecord(hashKey(key), now.toISOString()));
    return { generatedKey: key };
  }

  async resolve(key: string): Promise<Principal | undefined> {
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const record = await this.state.findKeyByHash(hash);
    if (!record) return undefined;
    const principal = toPrincipal(record);
    this.cache.set(hash, principal);
    return principal;
  }
}

const adminRecord = (keyHash: string, createdAt: string): ApiKeyRecord => ({
  id: ADMIN_KEY_ID,
  name: 'administrator',
  role: 'admin',
  party: null,
  keyHash,
  createdAt,
});

const toPrincipal = (r: ApiKeyRecord): Principal => ({ id: r.id, name: r.name, role: r.role, party: r.party });
