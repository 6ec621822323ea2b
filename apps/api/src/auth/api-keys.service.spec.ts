import { SqliteDb } from '@accord/sql';
import { SqlApiState } from '../infrastructure/state/sql-api-state';
import { ApiKeys, KEY_RECHECK_MS, LAST_USED_EVERY_MS, LastAdminKeyError, type KeyCheck } from './api-keys.service';

const T0 = Date.parse('2026-05-01T10:00:00Z');

/** Two "instances" (their own ApiKeys and cache) on one database, and a clock the test moves. */
function setup() {
  let now = T0;
  const state = new SqlApiState(new SqliteDb(':memory:'));
  const options = { now: () => now };
  return {
    state,
    a: new ApiKeys(state, options),
    b: new ApiKeys(state, options),
    advance: (ms: number) => void (now += ms),
    at: () => now,
  };
}

const refused = (check: KeyCheck) => ('refused' in check ? check.refused : undefined);

describe('ApiKeys', () => {
  it('re-reads a cached key at most every second: a revocation elsewhere is refused within that, with no query per request', async () => {
    expect(KEY_RECHECK_MS).toBeLessThanOrEqual(1_000);
    const { state, a, b, advance } = setup();
    const { id, key } = await a.create({ name: 'MA', role: 'integration', party: 'MA' });
    expect(await b.check(key)).toMatchObject({ principal: { id, role: 'integration', party: 'MA' } });

    const reads = jest.spyOn(state, 'findKeyByHash');
    for (let i = 0; i < 50; i++) expect(refused(await b.check(key))).toBeUndefined();
    expect(reads).not.toHaveBeenCalled();

    await a.revoke(id);
    expect(refused(await a.check(key))).toBe('The API key was revoked'); // at once where it was revoked
    advance(KEY_RECHECK_MS - 1);
    expect(refused(await b.check(key))).toBeUndefined(); // B's entry is younger than the interval
    advance(1);
    expect(refused(await b.check(key))).toBe('The API key was revoked');
    expect(reads).toHaveBeenCalledTimes(2); // A's after the revocation, B's after the interval
  });

  it('refuses a key whose row was deleted by hand, once the interval has passed', async () => {
    const { state, a, advance } = setup();
    const { key } = await a.create({ name: 'auditor', role: 'auditor' });
    expect(refused(await a.check(key))).toBeUndefined();
    await state.db.execute('DELETE FROM api_keys');
    advance(KEY_RECHECK_MS);
    expect(refused(await a.check(key))).toBe('The API key is not valid');
  });

  it('shares one read between concurrent requests with the same key', async () => {
    const { state, a } = setup();
    const { key } = await a.create({ name: 'auditor', role: 'auditor' });
    const reads = jest.spyOn(state, 'findKeyByHash');
    await Promise.all(Array.from({ length: 20 }, () => a.check(key)));
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('refuses an expired key on every instance from its instant, without a query', async () => {
    const { state, a, b, advance, at } = setup();
    const expiresAt = new Date(at() + 5_000).toISOString();
    const { key } = await a.create({ name: 'temp', role: 'auditor', expiresAt });
    expect(refused(await b.check(key))).toBeUndefined();
    const reads = jest.spyOn(state, 'findKeyByHash');
    advance(4_999);
    expect(refused(await b.check(key))).toBeUndefined();
    advance(1);
    expect(refused(await b.check(key))).toBe(`The API key expired at ${expiresAt}`);
    expect(refused(await a.check(key))).toMatch(/expired/);
    expect(reads).toHaveBeenCalledTimes(2); // both entries were due for their re-read, nothing more
    expect((await a.list())[0]).toMatchObject({ expiresAt, status: 'expired' });
  });

  it('takes an expiry only as a future instant with its offset', async () => {
    const { a, at } = setup();
    const past = new Date(at() - 1).toISOString();
    await expect(a.create({ name: 'x', role: 'auditor', expiresAt: past })).rejects.toMatchObject({
      field: 'expiresAt',
      message: expect.stringMatching(/in the future/),
    });
    await expect(a.create({ name: 'x', role: 'auditor', expiresAt: '2030-01-01' })).rejects.toMatchObject({
      field: 'expiresAt',
    });
    const { expiresAt } = await a.create({ name: 'x', role: 'auditor', expiresAt: '2030-01-01T12:00:00+02:00' });
    expect(expiresAt).toBe('2030-01-01T10:00:00.000Z');
  });

  it('writes the last use at most once a minute per key, in one background statement', async () => {
    const { state, a, b, advance, at } = setup();
    const { id, key } = await a.create({ name: 'MA', role: 'integration', party: 'MA' });
    expect((await a.list())[0].lastUsedAt).toBeNull();
    const touches = jest.spyOn(state, 'touchKey');
    const first = new Date(at()).toISOString();
    for (let i = 0; i < 100; i++) await a.check(key);
    advance(KEY_RECHECK_MS); // B reads the row after A wrote it: it does not write again
    for (let i = 0; i < 100; i++) await b.check(key);
    expect(touches).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await state.findKeyById(id))?.lastUsedAt).toBe(first);

    advance(LAST_USED_EVERY_MS);
    await a.check(key);
    expect(touches).toHaveBeenCalledTimes(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await a.list())[0].lastUsedAt).toBe(new Date(at()).toISOString());
  });

  it('lists every key with its dates and status, never the secret or its hash', async () => {
    const { a } = setup();
    const { key } = await a.create({ name: 'QA delegation', role: 'delegate', party: 'QA' });
    const [listed] = await a.list();
    expect(Object.keys(listed).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'party', 'revokedAt', 'role', 'status'].sort(),
    );
    expect(JSON.stringify(await a.list())).not.toContain(key);
  });

  it('keeps the first instant of a revocation, and never revokes the last active admin key', async () => {
    const { a, advance } = setup();
    await a.ensureAdmin('configured-admin-key-0123456789');
    const [admin] = await a.list();
    await expect(a.revoke(admin.id)).rejects.toBeInstanceOf(LastAdminKeyError);
    const second = await a.create({ name: 'second admin', role: 'admin' });
    const revoked = await a.revoke(admin.id);
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
    advance(5_000);
    expect((await a.revoke(admin.id))?.revokedAt).toBe(revoked?.revokedAt);
    await expect(a.revoke(second.id)).rejects.toBeInstanceOf(LastAdminKeyError);
    expect(await a.revoke('no-such-key')).toBeUndefined();
  });

  describe('the admin key and ACCORD_ADMIN_KEY', () => {
    const ENV_KEY = 'configured-admin-key-0123456789';

    it('generates an admin key on a first start without ACCORD_ADMIN_KEY, and only then', async () => {
      const { a } = setup();
      const { generatedKey } = await a.ensureAdmin(undefined);
      expect(await a.check(generatedKey!)).toMatchObject({ principal: { role: 'admin' } });
      expect(await a.ensureAdmin(undefined)).toEqual({});
    });

    it('rotates: the new admin key works, every earlier one (the configured one too) is refused', async () => {
      const { a, b, advance } = setup();
      await a.ensureAdmin(ENV_KEY);
      const extra = await a.create({ name: 'automation', role: 'admin' });
      expect(refused(await b.check(ENV_KEY))).toBeUndefined();

      const rotated = await a.rotateAdmin();
      expect(rotated.revoked.sort()).toEqual(
        (await a.list())
          .filter((k) => k.role === 'admin' && k.id !== rotated.id)
          .map((k) => k.id)
          .sort(),
      );
      expect(rotated.revoked).toContain(extra.id);
      advance(KEY_RECHECK_MS);
      expect(refused(await b.check(ENV_KEY))).toBe('The API key was revoked');
      expect(refused(await b.check(extra.key))).toBe('The API key was revoked');
      expect(await b.check(rotated.key)).toMatchObject({ principal: { id: rotated.id, role: 'admin' } });
    });

    it('never reinstates a revoked ACCORD_ADMIN_KEY on restart: it stays refused, with a warning', async () => {
      const { state, a } = setup();
      await a.ensureAdmin(ENV_KEY);
      const rotated = await a.rotateAdmin();

      const restarted = new ApiKeys(state);
      expect((await restarted.ensureAdmin(ENV_KEY)).warning).toMatch(/ACCORD_ADMIN_KEY is revoked .* never reinstated/);
      expect(refused(await restarted.check(ENV_KEY))).toBe('The API key was revoked');
      expect(refused(await restarted.check(rotated.key))).toBeUndefined();
    });

    it('takes a new ACCORD_ADMIN_KEY as a rotation to it', async () => {
      const { state, a } = setup();
      await a.ensureAdmin(ENV_KEY);
      const rotated = await a.rotateAdmin();
      const restarted = new ApiKeys(state);
      expect(await restarted.ensureAdmin('another-admin-key-0123456789')).toEqual({});
      expect(await restarted.check('another-admin-key-0123456789')).toMatchObject({ principal: { role: 'admin' } });
      expect(refused(await restarted.check(rotated.key))).toBe('The API key was revoked');
      // The earlier configured key is still known as revoked: switching back is refused too.
      expect((await new ApiKeys(state).ensureAdmin(ENV_KEY)).warning).toMatch(/revoked/);
    });

    it('refuses an ACCORD_ADMIN_KEY that is the key of another role', async () => {
      const { state, a } = setup();
      const { key } = await a.create({ name: 'auditor', role: 'auditor' });
      await expect(new ApiKeys(state).ensureAdmin(key)).rejects.toThrow(/is the auditor key .* not an admin key/);
    });

    it('warns when no admin key is active and none is configured', async () => {
      const { a, advance, at } = setup();
      await a.ensureAdmin(ENV_KEY);
      await a.create({ name: 'short', role: 'admin', expiresAt: new Date(at() + 1000).toISOString() });
      // Both were created at the same instant of the fake clock: pick the env's by name.
      await a.revoke((await a.list()).find((k) => k.name !== 'short')!.id);
      advance(1000);
      expect((await a.ensureAdmin(undefined)).warning).toMatch(/No admin key is active/);
    });
  });
});
