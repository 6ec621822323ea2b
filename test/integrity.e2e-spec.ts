import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeEventHash, digestLog, digestLogRecomputed } from '@accord/audit';
import { postgresEventTable, sqliteEventTable } from '@accord/audit/testing/event-tables';
import type { EventTable } from '@accord/audit/testing/tamper.suite';
import type { RecordedEvent } from '@accord/event-store';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

type Table = EventTable & { close(): Promise<void> };

interface Store {
  readonly url: string;
  table(): Promise<Table>;
  dispose(): Promise<void>;
}

/**
 * Issue 16: the API never serves a broken record silently. A record changed in the
 * database behind the API is marked where the raw events are served, /health says so, and
 * the digest the API hands out is over the recomputed hashes, so it is not the value of the
 * untampered log.
 */
function describeIntegrity(name: string, open: (dir: string) => Store): void {
  describe(`the API marks a broken record (${name})`, () => {
    let dir: string;
    let store: Store;
    let t: TestApp;
    let auditor: string;
    let secretariat: string;
    let ma: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'accord-integrity-'));
      store = open(dir);
      t = await startTestApp({ dir, storeUrl: store.url });
      auditor = await t.createKey('auditor');
      secretariat = await t.createKey('secretariat');
      ma = await t.createKey('integration', 'MA');
    });
    afterAll(async () => {
      await t.close();
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const get = (url: string) => t.request({ method: 'GET', url, key: auditor });
    const health = async () => {
      const response = await t.request({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      return response.json();
    };
    async function ok(url: string, body: unknown, key: string) {
      const response = await t.post(url, body, key);
      if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    }
    const stream = (streamId: string) => t.store.readStream(streamId);

    it('serves every event of an intact log as ok, and reports integrity up', async () => {
      const agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat)).id;
      const id = (
        await ok(
          '/commitments',
          { agreementId, title: 'Joint unit', description: 'd', domain: 'cybercrime', leadAgencies: ['X'] },
          ma,
        )
      ).id;
      await ok(`/commitments/${id}/revise`, { title: 'Joint unit, revised' }, ma);
      const page = await get(`/commitments/${id}/events`);
      expect(page.json().items.map((e: { integrity: string }) => e.integrity)).toEqual(['ok', 'ok']);
      expect(page.json().items[0]).not.toHaveProperty('recomputedHash');
      const answer = await health();
      expect(answer).toMatchObject({ status: 'ok', details: { integrity: { status: 'up' } } });
      expect(answer.info.integrity).toEqual({ status: 'up' });
    });

    it('marks a changed byte, then /health reports integrity degraded, and a restart digests recomputed hashes', async () => {
      const agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat)).id;
      const body = { agreementId, title: 'Border data', description: 'd', domain: 'cybercrime', leadAgencies: ['X'] };
      const id = (await ok('/commitments', body, ma)).id;
      for (const title of ['Border data 1', 'Border data 2', 'Border data 3']) {
        await ok(`/commitments/${id}/revise`, { title }, ma);
      }
      const before = await stream(`commitment-${id}`);
      const servedDigest = (await get('/audit/digest')).json();
      expect(servedDigest).toEqual(await digestLog(t.store));

      const target = before[1];
      const table = await store.table();
      try {
        const row = await table.row(target.position);
        await table.update(target.position, { data: row.data.replace('Border data 1', 'Border data 7') });
      } finally {
        await table.close();
      }

      const page = await get(`/commitments/${id}/events`);
      expect(page.statusCode).toBe(200);
      const items = page.json().items as (RecordedEvent & { integrity: string; recomputedHash?: string })[];
      const changed = (await stream(`commitment-${id}`))[1];
      expect(items.map((e) => e.integrity)).toEqual(['ok', 'hash-mismatch', 'ok', 'ok']);
      expect(items[1]).toMatchObject({
        data: { changes: { title: 'Border data 7' } },
        metadata: { hash: target.metadata.hash },
        recomputedHash: computeEventHash(changed),
      });
      expect(items[1].recomputedHash).not.toBe(target.metadata.hash);
      // A page that starts after the changed event still links to it: the next one is ok.
      expect((await get(`/commitments/${id}/events?fromRevision=2&limit=1`)).json().items[0].integrity).toBe('ok');
      expect((await get(`/commitments/${id}/events?fromRevision=1&limit=1`)).json().items[0].integrity).toBe(
        'hash-mismatch',
      );

      const degraded = await health();
      const finding = {
        problem: 'hash-mismatch',
        streamId: `commitment-${id}`,
        revision: 1,
        position: target.position,
        storedHash: target.metadata.hash,
        recomputedHash: computeEventHash(changed),
        foundBy: 'events',
        foundAt: expect.any(String),
      };
      expect(degraded).toMatchObject({
        status: 'degraded',
        error: { integrity: { status: 'down', events: 1, first: finding } },
        details: { store: { status: 'up' }, integrity: { status: 'down', events: 1, first: finding } },
      });
      // Reading it again does not count it twice.
      await get(`/commitments/${id}/events`);
      expect((await health()).details.integrity.events).toBe(1);

      // A restarted API digests the log anew, each event by its recomputed hash.
      await t.close();
      t = await startTestApp({ dir, storeUrl: store.url });
      auditor = await t.createKey('auditor');
      expect((await health()).details.integrity).toEqual({ status: 'up' });
      const digest = (await get('/audit/digest')).json();
      const stored = await digestLog(t.store);
      expect(digest.count).toBe(stored.count);
      expect(digest.digest).not.toBe(stored.digest);
      expect(digest).toEqual(await digestLogRecomputed(t.store));
      expect(await health()).toMatchObject({
        status: 'degraded',
        details: { integrity: { status: 'down', events: 1, first: { ...finding, foundBy: 'digest' } } },
      });
      secretariat = await t.createKey('secretariat');
      ma = await t.createKey('integration', 'MA');
    });

    it("marks an event whose predecessor was deleted as chain-broken, on an agreement's events", async () => {
      const agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat)).id;
      await ok(`/agreements/${agreementId}/domains`, { domains: ['cybercrime'] }, secretariat);
      await ok(`/agreements/${agreementId}/domains`, { domains: ['cybercrime', 'maritime security'] }, secretariat);
      const events = await stream(`agreement-${agreementId}`);
      expect(events).toHaveLength(3);
      const table = await store.table();
      try {
        await table.delete(events[1].position);
      } finally {
        await table.close();
      }
      const page = (await get(`/agreements/${agreementId}/events`)).json();
      expect(page.items.map((e: RecordedEvent & { integrity: string }) => [e.revision, e.integrity])).toEqual([
        [0, 'ok'],
        [2, 'chain-broken'],
      ]);
      expect(page.items[1].recomputedHash).toBe(events[2].metadata.hash);
      // Paged from there, the event's missing predecessor is missed too.
      const from = (await get(`/agreements/${agreementId}/events?fromRevision=2`)).json();
      expect(from.items.map((e: { integrity: string }) => e.integrity)).toEqual(['chain-broken']);
      const answer = await health();
      expect(answer.status).toBe('degraded');
      expect(answer.details.integrity.events).toBe(2);
    });
  });
}

describeIntegrity('SQLite', (dir) => {
  const file = join(dir, 'accord.db');
  return {
    url: `sqlite:${file}`,
    table: async () => sqliteEventTable(file),
    dispose: async () => undefined,
  };
});

describeWithPostgres('the API on PostgreSQL', () => {
  describeIntegrity('PostgreSQL', () => {
    const schema = testSchemaName();
    return {
      url: `${TEST_PG_URL}?schema=${schema}`,
      table: () => postgresEventTable(TEST_PG_URL, schema),
      dispose: () => dropTestSchema(schema),
    };
  });
});
