import { randomUUID } from 'node:crypto';
import { Workers } from '../apps/api/src/workers/workers.module';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

describe('agreement reads (real app)', () => {
  let t: TestApp;
  let workers: Workers;
  let secretariat: string;
  let ma: string;
  let reader: string;

  beforeAll(async () => {
    t = await startTestApp();
    workers = t.app.get(Workers);
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    reader = await t.createKey('delegate', 'QA');
  });
  afterAll(() => t.close());

  const get = (url: string, key = reader, headers: Record<string, string> = {}) =>
    t.request({ method: 'GET', url, key, headers });

  async function ok(url: string, body: unknown, key: string, status = 200) {
    const response = await t.post(url, body, key);
    if (response.statusCode !== status) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const json = response.json();
    expect(await workers.processManager.waitFor(json.position)).toBe(true);
    return json as { id: string; revision: number; position: number; itemId?: string };
  }

  describe('GET /agreements and /agreements/{id}', () => {
    const registered: { id: string; body: typeof MOROCCO_QATAR }[] = [];
    let head = 0;

    beforeAll(async () => {
      for (let i = 0; i < 5; i++) {
        const body = { ...MOROCCO_QATAR, title: `Agreement ${i}`, signedAt: `201${i}-03-12` };
        const answer = await ok('/agreements', body, secretariat, 201);
        registered.push({ id: answer.id, body });
        head = answer.position;
      }
    });

    it('serves an agreement as registered, with its ETag, and 304 when If-None-Match names it', async () => {
      const [{ id, body }] = registered;
      const response = await get(`/agreements/${id}?after=${head}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toBe('"0"');
      const event = (await t.store.readStream(`agreement-${id}`))[0];
      expect(response.json()).toEqual({
        id,
        title: body.title,
        signedAt: body.signedAt,
        signedIn: 'Rabat',
        parties: MOROCCO_QATAR.parties,
        domains: MOROCCO_QATAR.domains,
        revision: 0,
        position: event.position,
      });

      const amended = await ok(
        `/agreements/${id}/domains`,
        { domains: ['cybercrime', 'maritime security'] },
        secretariat,
      );
      const after = await get(`/agreements/${id}?after=${amended.position}`);
      expect(after.headers.etag).toBe('"1"');
      expect(after.json()).toMatchObject({ domains: ['cybercrime', 'maritime security'], revision: 1 });
      expect(after.json().position).toBe(amended.position);
      for (const tag of ['"1"', 'W/"1"', '"0", "1"', '*']) {
        const unchanged = await get(`/agreements/${id}`, reader, { 'if-none-match': tag });
        expect({ tag, status: unchanged.statusCode, body: unchanged.body }).toEqual({ tag, status: 304, body: '' });
        expect(unchanged.headers.etag).toBe('"1"');
      }
      expect((await get(`/agreements/${id}`, reader, { 'if-none-match': '"0"' })).statusCode).toBe(200);
    });

    it('answers 404 for an unknown agreement and 400 for an id that is no UUID', async () => {
      const unknown = await get(`/agreements/${randomUUID()}`);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('NOT_FOUND');
      expect((await get('/agreements/ma-qa-2014')).json().code).toBe('VALIDATION_FAILED');
    });

    it('lists every agreement in id order, page by page, each as GET /agreements/{id} answers it', async () => {
      const expected = registered.map((r) => r.id).sort();
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/agreements?limit=2&after=${head}${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await get(url);
        expect(response.statusCode).toBe(200);
        const page = response.json() as { items: { id: string }[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((a) => a.id)).toEqual(expected);
      for (const agreement of seen) expect(agreement).toEqual((await get(`/agreements/${agreement.id}`)).json());
      const whole = (await get('/agreements')).json();
      expect(whole).toEqual({ items: seen, nextCursor: null });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['cursor=garbage', 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify({ k: [1], f: 'x' })).toString('base64url')}`, 'cursor'],
      ['title=x', 'title'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const response = await get(`/agreements?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it("refuses another list's cursor", async () => {
      const sessions = await t.post(
        '/sessions',
        { agreementId: registered[0].id, scheduledFor: '2030-01-01T09:00:00Z', venue: 'Rabat' },
        secretariat,
      );
      await t.post(
        '/sessions',
        { agreementId: registered[0].id, scheduledFor: '2030-02-01T09:00:00Z', venue: 'Rabat' },
        secretariat,
      );
      const cursor = (await get(`/sessions?limit=1&after=${sessions.json().position}`)).json().nextCursor;
      expect(cursor).toEqual(expect.any(String));
      const refused = await get(`/agreements?cursor=${cursor}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors).toEqual([{ field: 'cursor', messages: [expect.any(String)] }]);
    });
  });

  describe('GET /agreements/{id}/dashboard', () => {
    it('answers the dashboard of the read models, and with ?asOf the replayed one with asOf', async () => {
      const agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat, 201)).id;
      const proposed = await ok(
        '/commitments',
        { agreementId, title: 'Liaison officers', description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
        ma,
        201,
      );
      const live = await get(`/agreements/${agreementId}/dashboard?after=${proposed.position}`);
      expect(live.statusCode).toBe(200);
      expect(live.json()).toEqual({
        agreementId,
        position: expect.any(Number),
        counts: [{ status: 'proposed', domain: 'cybercrime', party: 'MA', count: 1 }],
        overdue: [],
        awaitingPositions: {},
      });
      const asOf = new Date(Date.now() + 60_000).toISOString();
      const replayed = await get(`/agreements/${agreementId}/dashboard?asOf=${asOf}`);
      expect(replayed.json()).toEqual({ ...live.json(), position: expect.any(Number), asOf });
      expect((await get(`/agreements/${randomUUID()}/dashboard`)).statusCode).toBe(404);
    });
  });
});
