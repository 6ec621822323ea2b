import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@accord/event-store/conformance/event-store.conformance';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { ApiKeys } from '../apps/api/src/auth/api-keys.service';
import { API_STATE } from '../apps/api/src/infrastructure/state/state.module';
import type { SqlApiState } from '../apps/api/src/infrastructure/state/sql-api-state';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

/** How long a test lets a refusal take to reach the other instance: generous, the mechanism's bound is 2 s. */
const GENEROUS_MS = 15_000;

/**
 * Keys across two API instances on one store: A runs the workers, B only serves HTTP, each
 * with its own key cache, as two processes behind a load balancer would.
 */
function keyCases(store: { name: string; open: (dir: string) => { url: string; dispose: () => Promise<void> } }) {
  describe(`API keys on two instances sharing ${store.name}`, () => {
    let dir: string;
    let dispose: () => Promise<void>;
    let storeUrl: string;
    let a: TestApp;
    let b: TestApp;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'accord-keys-'));
      ({ url: storeUrl, dispose } = store.open(dir));
      a = await startTestApp({ dir, storeUrl });
      b = await startTestApp({ dir, storeUrl, workers: false });
    });
    afterEach(async () => {
      await b?.close();
      await a?.close();
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const get = (t: TestApp, url: string, key: string) => t.request({ method: 'GET', url, key });
    const revoke = (t: TestApp, id: string, key = ADMIN_KEY) =>
      t.request({ method: 'DELETE', url: `/admin/keys/${id}`, key });
    const issue = async (t: TestApp, body: Record<string, unknown>) => {
      const response = await t.post('/admin/keys', { name: 'k', ...body }, ADMIN_KEY);
      expect(response.statusCode).toBe(201);
      return response.json() as { id: string; key: string; expiresAt: string | null };
    };

    /** Polls `t` with `key` until it answers 401; how long that took and the problem. */
    async function refusedBy(t: TestApp, key: string, url = '/commitments') {
      const started = Date.now();
      let last = await get(t, url, key);
      await until(
        async () => (last = await get(t, url, key)).statusCode === 401,
        `${url} to refuse the key`,
        GENEROUS_MS,
      );
      return { ms: Date.now() - started, problem: last.json() };
    }

    it('lists every key with name, role, party, created, last used and expiry, on either instance, never a secret', async () => {
      const ma = await issue(a, { name: 'MA integration', role: 'integration', party: 'MA' });
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const auditor = await issue(a, { name: 'auditor', role: 'auditor', expiresAt });
      expect(auditor.expiresAt).toBe(expiresAt);
      expect((await get(b, '/commitments', ma.key)).statusCode).toBe(200);

      const list = async () => {
        const response = await get(b, '/admin/keys', ADMIN_KEY);
        expect(response.statusCode).toBe(200);
        return response;
      };
      // The last use is written in the background, once a minute at most.
      await until(
        async () => (await list()).json().items.find((k: { id: string }) => k.id === ma.id).lastUsedAt !== null,
        'the last use to be recorded',
      );
      const response = await list();
      for (const secret of [ADMIN_KEY, ma.key, auditor.key]) expect(response.body).not.toContain(secret);
      const { items } = response.json();
      expect(items.map((k: { role: string }) => k.role)).toEqual(['admin', 'integration', 'auditor']);
      expect(items[1]).toEqual({
        id: ma.id,
        name: 'MA integration',
        role: 'integration',
        party: 'MA',
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: null,
        revokedAt: null,
        status: 'active',
      });
      expect(items[2]).toMatchObject({ id: auditor.id, party: null, lastUsedAt: null, expiresAt, status: 'active' });
      expect((await get(a, '/admin/keys', auditor.key)).statusCode).toBe(403);
    });

    it('refuses a key revoked on one instance on the other within the cache interval (≤ 1 s)', async () => {
      expect(b.app.get(ApiKeys).recheckMs).toBeLessThanOrEqual(1_000);
      const auditor = await issue(a, { role: 'auditor' });
      // Both instances have the key cached.
      expect((await get(a, '/commitments', auditor.key)).statusCode).toBe(200);
      expect((await get(b, '/commitments', auditor.key)).statusCode).toBe(200);

      const revoked = await revoke(a, auditor.id);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json()).toMatchObject({ id: auditor.id, status: 'revoked', revokedAt: expect.any(String) });
      expect((await get(a, '/commitments', auditor.key)).statusCode).toBe(401); // at once where revoked
      const { ms, problem } = await refusedBy(b, auditor.key);
      expect(problem).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'The API key was revoked' });
      expect(ms).toBeLessThan(GENEROUS_MS);

      // Revoking again changes nothing; an unknown id is 404.
      expect((await revoke(b, auditor.id)).json().revokedAt).toBe(revoked.json().revokedAt);
      expect((await revoke(b, 'no-such-key')).statusCode).toBe(404);
      // The key is listed as revoked.
      const listed = (await get(b, '/admin/keys', ADMIN_KEY)).json().items;
      expect(listed.find((k: { id: string }) => k.id === auditor.id)).toMatchObject({ status: 'revoked' });
    });

    it('refuses, on every instance, a key whose row was deleted by hand (the cache does not outlive it)', async () => {
      const auditor = await issue(a, { role: 'auditor' });
      expect((await get(a, '/commitments', auditor.key)).statusCode).toBe(200);
      expect((await get(b, '/commitments', auditor.key)).statusCode).toBe(200);
      await a.app.get<SqlApiState>(API_STATE).db.execute('DELETE FROM api_keys WHERE id = ?', [auditor.id]);
      for (const t of [a, b]) expect((await refusedBy(t, auditor.key)).problem.detail).toBe('The API key is not valid');
    });

    it('takes an expiry in the future only, and refuses the key on every instance once it has passed', async () => {
      const past = await a.post(
        '/admin/keys',
        { name: 'k', role: 'auditor', expiresAt: new Date(Date.now() - 1000).toISOString() },
        ADMIN_KEY,
      );
      expect(past.statusCode).toBe(400);
      expect(past.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'expiresAt' }] });
      const local = await a.post(
        '/admin/keys',
        { name: 'k', role: 'auditor', expiresAt: '2030-01-01T12:00' },
        ADMIN_KEY,
      );
      expect(local.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'expiresAt' }] });

      const soon = await issue(a, { role: 'auditor', expiresAt: new Date(Date.now() + 2_000).toISOString() });
      expect((await get(a, '/commitments', soon.key)).statusCode).toBe(200);
      expect((await get(b, '/commitments', soon.key)).statusCode).toBe(200);
      for (const t of [a, b]) {
        const { problem } = await refusedBy(t, soon.key);
        expect(problem.detail).toBe(`The API key expired at ${soon.expiresAt}`);
      }
      const listed = (await get(b, '/admin/keys', ADMIN_KEY)).json().items;
      expect(listed.find((k: { id: string }) => k.id === soon.id)).toMatchObject({ status: 'expired' });
    });

    it('rotate-admin: the earlier admin key is refused by both, the new one works, and a restart does not bring it back', async () => {
      const { stdout } = await run(process.execPath, [ACCORD, 'keys', 'rotate-admin', '--json', '--store', storeUrl], {
        cwd: dir,
      });
      const rotated = JSON.parse(stdout) as { id: string; key: string; revoked: string[] };
      expect(rotated.revoked).toHaveLength(1);
      for (const t of [a, b]) {
        expect((await refusedBy(t, ADMIN_KEY, '/admin/keys')).problem.detail).toBe('The API key was revoked');
        expect((await get(t, '/admin/keys', rotated.key)).statusCode).toBe(200);
      }

      // B restarts with the old ACCORD_ADMIN_KEY: it starts, and the key stays refused.
      await b.close();
      b = await startTestApp({ dir, storeUrl, workers: false });
      expect((await get(b, '/admin/keys', ADMIN_KEY)).statusCode).toBe(401);
      expect((await get(b, '/admin/keys', rotated.key)).statusCode).toBe(200);
      // The only active admin key cannot be revoked through the API.
      const last = await revoke(b, rotated.id, rotated.key);
      expect(last.statusCode).toBe(409);
      expect(last.json()).toMatchObject({ code: 'CONFLICT', detail: expect.stringMatching(/only active admin key/) });
    });

    it('lets admin do what the README says and refuses it what only a party or the committee may do', async () => {
      expect((await a.post('/admin/keys', { name: 'x', role: 'auditor' }, ADMIN_KEY)).statusCode).toBe(201);
      expect((await get(a, '/admin/keys', ADMIN_KEY)).statusCode).toBe(200);
      // Agreements and the running of sessions, on the secretariat's behalf.
      const agreement = await a.post('/agreements', MOROCCO_QATAR, ADMIN_KEY);
      expect(agreement.statusCode).toBe(201);
      const agreementId = agreement.json().id;
      const session = await a.post(
        '/sessions',
        { agreementId, scheduledFor: '2030-03-10T09:30:00Z', venue: 'Rabat' },
        ADMIN_KEY,
      );
      expect(session.statusCode).toBe(201);
      // Every read, the audit ones included.
      for (const url of ['/commitments', '/projections', '/audit/digest', `/agreements/${agreementId}/dashboard`]) {
        expect((await get(b, url, ADMIN_KEY)).statusCode).toBe(200);
      }
      // Never as a party: proposing, or acting on a party's commitment; never closing one.
      const proposal = {
        agreementId,
        title: 'Joint cybercrime unit',
        description: 'A 24/7 contact point.',
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
      };
      const refusedAdmin = await a.post('/commitments', proposal, ADMIN_KEY);
      expect(refusedAdmin.statusCode).toBe(403);
      expect(refusedAdmin.json()).toMatchObject({ code: 'FORBIDDEN' });
      const ma = await a.createKey('integration', 'MA');
      const proposed = await a.post('/commitments', proposal, ma);
      expect(proposed.statusCode).toBe(201);
      const id = proposed.json().id;
      for (const [path, body] of [
        ['revise', { title: 'x' }],
        ['withdraw', { reason: 'superseded' }],
        ['close', {}],
      ] as const) {
        expect({ path, status: (await a.post(`/commitments/${id}/${path}`, body, ADMIN_KEY)).statusCode }).toEqual({
          path,
          status: 403,
        });
      }
    });
  });
}

keyCases({
  name: 'one SQLite file',
  open: (dir) => ({ url: `sqlite:${join(dir, 'accord.db')}`, dispose: async () => undefined }),
});

describeWithPostgres('API keys on PostgreSQL', () => {
  keyCases({
    name: 'one PostgreSQL database',
    open: () => {
      const schema = testSchemaName();
      return { url: `${TEST_PG_URL}?schema=${schema}`, dispose: () => dropTestSchema(schema) };
    },
  });
});
