import { randomUUID } from 'node:crypto';
import { computeEventHash } from '@accord/audit';
import type { RecordedEvent } from '@accord/event-store';
import { Workers } from '../apps/api/src/workers/workers.module';
import { fakeDate } from './support/fake-date';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

/**
 * Time travel and the raw events of sessions and agreements, for auditors: a replay at each
 * revision and instant is what the read API answered right after it.
 */
describe('sessions and agreements for auditors (real app)', () => {
  let t: TestApp;
  let workers: Workers;
  let secretariat: string;
  let ma: string;
  let maDelegate: string;
  let qaDelegate: string;
  let auditor: string;
  let agreementId: string;

  beforeAll(async () => {
    fakeDate.start('2027-01-04T09:00:00Z');
    t = await startTestApp();
    workers = t.app.get(Workers);
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    auditor = await t.createKey('auditor');
    fakeDate.advance();
    agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
  });
  afterAll(async () => {
    await t.close();
    fakeDate.stop();
  });

  const get = (url: string, key = auditor) => t.request({ method: 'GET', url, key });

  /** Sends a command at a later instant, expects success, and waits for the process manager. */
  async function ok(url: string, body: unknown, key: string, status = 200) {
    fakeDate.advance();
    const response = await t.post(url, body, key);
    if (response.statusCode !== status) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const json = response.json();
    expect(await workers.processManager.waitFor(json.position)).toBe(true);
    return json as { id: string; revision: number; position: number; itemId?: string };
  }

  const propose = async (title: string) =>
    (
      await ok(
        '/commitments',
        { agreementId, title, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
        ma,
        201,
      )
    ).id;

  /** Checks a replay against what the read API answered after each command, by revision and by instant. */
  async function replaysAsServed(kind: 'sessions' | 'agreements', id: string, served: Map<number, unknown>) {
    const stream = kind === 'sessions' ? `session-${id}` : `agreement-${id}`;
    const events = await t.store.readStream(stream);
    expect(served.size).toBeGreaterThanOrEqual(3);
    for (const [revision, view] of served) {
      const byRevision = await get(`/${kind}/${id}/state?revision=${revision}`);
      expect(byRevision.statusCode).toBe(200);
      expect(byRevision.json()).toEqual({ ...(view as object), asOfRevision: revision });
      // The events of one command share its instant: asOf that instant folds them all.
      const at = String(events[revision].metadata.occurredAt);
      for (const instant of [at, new Date(Date.parse(at) + 1).toISOString()]) {
        const byInstant = await get(`/${kind}/${id}/state?asOf=${encodeURIComponent(instant)}`);
        expect(byInstant.json()).toEqual({ ...(view as object), asOfRevision: revision });
      }
    }
    const last = Math.max(...served.keys());
    expect((await get(`/${kind}/${id}/state`)).json()).toEqual({ ...(served.get(last) as object), asOfRevision: last });
    const before = new Date(Date.parse(String(events[0].metadata.occurredAt)) - 1).toISOString();
    const early = await get(`/${kind}/${id}/state?asOf=${before}`);
    expect(early.statusCode).toBe(404);
    expect(early.json().code).toBe('NOT_FOUND');
    const beyond = await get(`/${kind}/${id}/state?revision=${events.length}`);
    expect(beyond.statusCode).toBe(404);
    expect(beyond.json()).toMatchObject({ code: 'NOT_FOUND', lastRevision: events.length - 1 });
  }

  it('replays a session at every revision and instant as GET /sessions/{id} answered it then', async () => {
    const first = await propose('Joint cyber desk');
    const second = await propose('Liaison officers');
    const served = new Map<number, unknown>();
    const record = async (answer: { revision: number; position: number }) => {
      const view = await get(`/sessions/${sessionId}?after=${answer.position}`);
      expect(view.json().revision).toBe(answer.revision);
      served.set(answer.revision, view.json());
    };
    const scheduled = await ok(
      '/sessions',
      { agreementId, scheduledFor: '2027-02-01T09:00:00Z', venue: 'Rabat' },
      secretariat,
      201,
    );
    const sessionId = scheduled.id;
    await record(scheduled);
    const item1 = await ok(`/sessions/${sessionId}/agenda`, { commitmentId: first, kind: 'review' }, secretariat);
    await record(item1);
    const item2 = await ok(`/sessions/${sessionId}/agenda`, { commitmentId: second, kind: 'review' }, secretariat);
    await record(item2);
    await record(await ok(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat));
    const positions: [string, string, string][] = [
      [item1.itemId!, 'approve', maDelegate],
      [item1.itemId!, 'reject', qaDelegate],
      [item2.itemId!, 'approve', maDelegate],
      [item1.itemId!, 'reject', maDelegate],
      [item2.itemId!, 'approve', qaDelegate],
    ];
    for (const [itemId, position, key] of positions) {
      await record(await ok(`/sessions/${sessionId}/positions`, { itemId, position }, key));
    }
    await record(await ok(`/sessions/${sessionId}/close`, {}, secretariat));
    const final = served.get(Math.max(...served.keys())) as {
      status: string;
      items: { commitmentTitle: string; status: string; positionHistory: unknown[] }[];
    };
    expect(final.status).toBe('closed');
    expect(final.items.map((i) => [i.commitmentTitle, i.status, i.positionHistory.length])).toEqual([
      ['Joint cyber desk', 'decided', 3],
      ['Liaison officers', 'decided', 2],
    ]);
    await replaysAsServed('sessions', sessionId, served);
  });

  it('replays an agreement at every revision and instant as GET /agreements/{id} answered it then', async () => {
    const served = new Map<number, unknown>();
    const record = async (answer: { revision: number; position: number }) => {
      served.set(answer.revision, (await get(`/agreements/${id}?after=${answer.position}`)).json());
    };
    const registered = await ok('/agreements', { ...MOROCCO_QATAR, title: 'Amended agreement' }, secretariat, 201);
    const id = registered.id;
    await record(registered);
    await record(await ok(`/agreements/${id}/domains`, { domains: ['cybercrime'] }, secretariat));
    await record(await ok(`/agreements/${id}/domains`, { domains: ['cybercrime', 'maritime security'] }, secretariat));
    await replaysAsServed('agreements', id, served);
  });

  it('serves the raw events of a session and an agreement with their hashes, page by page', async () => {
    // As stored, each checked as it is served (test/integrity.e2e-spec.ts has broken ones).
    const served = (events: RecordedEvent[]) =>
      (JSON.parse(JSON.stringify(events)) as RecordedEvent[]).map((event) => ({ ...event, integrity: 'ok' }));
    const sessionId = (
      await ok('/sessions', { agreementId, scheduledFor: '2027-03-01T09:00:00Z', venue: 'Doha' }, secretariat, 201)
    ).id;
    for (const title of ['A', 'B', 'C', 'D']) {
      await ok(`/sessions/${sessionId}/agenda`, { commitmentId: await propose(title), kind: 'review' }, secretariat);
    }
    for (const [kind, id] of [
      ['sessions', sessionId],
      ['agreements', agreementId],
    ] as const) {
      const stored = await t.store.readStream(`${kind === 'sessions' ? 'session' : 'agreement'}-${id}`);
      const pages: RecordedEvent[][] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/${kind}/${id}/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await get(url);
        expect(page.statusCode).toBe(200);
        pages.push(page.json().items);
        cursor = page.json().nextCursor;
      } while (cursor);
      expect(pages.flat()).toEqual(served(stored));
      expect(pages.map((p) => p.length)).toEqual(
        Array.from({ length: Math.ceil(stored.length / 2) }, (_, i) => Math.min(2, stored.length - 2 * i)),
      );
      for (const event of pages.flat()) expect(event.metadata.hash).toBe(computeEventHash(event));
      expect((await get(`/${kind}/${id}/events`)).json()).toEqual({
        items: served(stored),
        nextCursor: null,
      });
    }
    expect((await t.store.readStream(`session-${sessionId}`)).length).toBe(5);

    // The first page may start anywhere; past the end it is empty.
    const stored = await t.store.readStream(`session-${sessionId}`);
    expect((await get(`/sessions/${sessionId}/events?fromRevision=3&limit=1`)).json()).toEqual({
      items: served([stored[3]]),
      nextCursor: expect.any(String),
    });
    expect((await get(`/sessions/${sessionId}/events?fromRevision=5`)).json()).toEqual({ items: [], nextCursor: null });

    // A cursor pages only the stream it was given for.
    const sessionCursor = (await get(`/sessions/${sessionId}/events?limit=1`)).json().nextCursor;
    const otherSession = (
      await ok('/sessions', { agreementId, scheduledFor: '2027-03-02T09:00:00Z', venue: 'Doha' }, secretariat, 201)
    ).id;
    for (const url of [
      `/agreements/${agreementId}/events?cursor=${sessionCursor}`,
      `/sessions/${otherSession}/events?cursor=${sessionCursor}`,
    ]) {
      const elsewhere = await get(url);
      expect(elsewhere.statusCode).toBe(400);
      expect(elsewhere.json().errors).toEqual([{ field: 'cursor', messages: [expect.any(String)] }]);
    }
  });

  it('answers 400 for bad parameters and 404 for what does not exist', async () => {
    const sessionId = (
      await ok('/sessions', { agreementId, scheduledFor: '2027-04-01T09:00:00Z', venue: 'Doha' }, secretariat, 201)
    ).id;
    for (const base of [`/sessions/${sessionId}`, `/agreements/${agreementId}`]) {
      for (const [query, field] of [
        ['revision=-1', 'revision'],
        ['revision=1.5', 'revision'],
        ['asOf=yesterday', 'asOf'],
        ['asOf=2027-02-30T00:00:00Z', 'asOf'],
        ['asOf=2027-01-01', 'asOf'],
        ['revision=0&asOf=2027-01-01T00:00:00Z', 'asOf'],
        ['extra=1', 'extra'],
      ]) {
        const response = await get(`${base}/state?${query}`);
        expect({ query, status: response.statusCode, code: response.json().code }).toEqual({
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=1001', 'limit'],
        ['cursor=nope', 'cursor'],
        ['fromRevision=-1', 'fromRevision'],
        [`fromRevision=0&cursor=${(await get(`${base}/events?limit=1`)).json().nextCursor ?? 'x'}`, 'cursor'],
      ]) {
        const response = await get(`${base}/events?${query}`);
        expect(response.statusCode).toBe(400);
        expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    }
    for (const base of ['/sessions', '/agreements']) {
      expect((await get(`${base}/not-a-uuid/state`)).statusCode).toBe(400);
      const unknown = randomUUID();
      for (const url of [`${base}/${unknown}/state`, `${base}/${unknown}/events`]) {
        const response = await get(url);
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('NOT_FOUND');
      }
    }
  });

  it('lets auditors and admins read them, and no other role', async () => {
    const sessionId = (
      await ok('/sessions', { agreementId, scheduledFor: '2027-05-01T09:00:00Z', venue: 'Doha' }, secretariat, 201)
    ).id;
    for (const url of [
      `/sessions/${sessionId}/state`,
      `/sessions/${sessionId}/events`,
      `/agreements/${agreementId}/state`,
      `/agreements/${agreementId}/events`,
    ]) {
      expect((await get(url, auditor)).statusCode).toBe(200);
      expect((await get(url, ADMIN_KEY)).statusCode).toBe(200);
      for (const key of [ma, secretariat, maDelegate]) {
        const refused = await get(url, key);
        expect({ url, status: refused.statusCode }).toEqual({ url, status: 403 });
      }
      expect((await t.request({ method: 'GET', url })).statusCode).toBe(401);
    }
  });
});
