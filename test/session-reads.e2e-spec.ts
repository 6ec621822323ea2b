import { randomUUID } from 'node:crypto';
import { chainEvents, GENESIS_HASH } from '@accord/audit';
import { ReadModels } from '../apps/api/src/workers/read-models';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

interface PositionTaken {
  party: string;
  position: string;
  note: string | null;
  actor: { id: string; role: string; party: string | null } | null;
  occurredAt: string;
  revision: number;
  current: boolean;
}
interface SessionView {
  id: string;
  agreementId: string;
  status: string;
  scheduledFor: string;
  venue: string;
  parties: string[];
  attendance: string[];
  items: {
    itemId: string;
    commitmentId: string;
    commitmentTitle: string | null;
    kind: string;
    proposedDueDate: string | null;
    positions: Record<string, { position: string; note: string | null }>;
    positionHistory: PositionTaken[];
    status: string;
    outcome: string | null;
  }[];
  revision: number;
  position: number;
}

/** The sessions' reads, on the real app: the list and its filters, and what one session shows. */
describe('session reads (real app)', () => {
  let t: TestApp;
  let workers: Workers;
  let secretariat: string;
  let ma: string;
  let maDelegate: string;
  let qaDelegate: string;
  let reader: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    workers = t.app.get(Workers);
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    reader = await t.createKey('integration', 'QA');
    agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
  });
  afterAll(() => t.close());

  const get = (url: string, key = reader, headers: Record<string, string> = {}) =>
    t.request({ method: 'GET', url, key, headers });

  /** Sends a command, expects success, and waits until the process manager has handled it. */
  async function ok(url: string, body: unknown, key: string, status = 200) {
    const response = await t.post(url, body, key);
    if (response.statusCode !== status) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const json = response.json();
    expect(await workers.processManager.waitFor(json.position)).toBe(true);
    return json as { id: string; revision: number; position: number; itemId?: string };
  }

  const propose = async (title: string, agreement = agreementId) =>
    (
      await ok(
        '/commitments',
        { agreementId: agreement, title, description: `${title}.`, domain: 'cybercrime', leadAgencies: ['DGSN'] },
        ma,
        201,
      )
    ).id;

  const schedule = async (scheduledFor: string, agreement = agreementId, venue = 'Rabat') =>
    (await ok('/sessions', { agreementId: agreement, scheduledFor, venue }, secretariat, 201)).id;

  describe('GET /sessions/{id}', () => {
    it('shows every position taken, in order, with who and when, and which one counts', async () => {
      const commitmentId = await propose('Joint cyber desk');
      const sessionId = await schedule('2030-03-10T09:30:00Z');
      const itemId = (await ok(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'review' }, secretariat)).itemId!;
      await ok(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat);
      await ok(`/sessions/${sessionId}/positions`, { itemId, position: 'approve', note: 'Well scoped' }, maDelegate);
      await ok(
        `/sessions/${sessionId}/positions`,
        { itemId, position: 'request_changes', note: 'Name contacts' },
        qaDelegate,
      );
      // MA changes its mind: the delegations now agree, and the item is decided.
      const last = await ok(`/sessions/${sessionId}/positions`, { itemId, position: 'request_changes' }, maDelegate);

      const response = await get(`/sessions/${sessionId}?after=${last.position}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toBe(`"${last.revision}"`);
      const view = response.json() as SessionView;
      const events = await t.store.readStream(`session-${sessionId}`);
      const recorded = events.filter((e) => e.type === 'PositionRecorded');
      expect(recorded).toHaveLength(3);
      expect(view).toEqual({
        id: sessionId,
        agreementId,
        status: 'open',
        scheduledFor: '2030-03-10T09:30:00Z',
        venue: 'Rabat',
        parties: ['MA', 'QA'],
        attendance: ['MA', 'QA'],
        items: [
          {
            itemId,
            commitmentId,
            commitmentTitle: 'Joint cyber desk',
            kind: 'review',
            proposedDueDate: null,
            positions: {
              MA: { position: 'request_changes', note: null },
              QA: { position: 'request_changes', note: 'Name contacts' },
            },
            positionHistory: [
              ['MA', 'approve', 'Well scoped', false],
              ['QA', 'request_changes', 'Name contacts', true],
              ['MA', 'request_changes', null, true],
            ].map(([party, position, note, current], i) => ({
              party,
              position,
              note,
              actor: {
                id: (recorded[i].metadata.actor as { id: string }).id,
                role: 'delegate',
                party,
              },
              occurredAt: recorded[i].metadata.occurredAt,
              revision: recorded[i].revision,
              current,
            })),
            status: 'decided',
            outcome: 'request_changes',
          },
        ],
        revision: last.revision,
        position: last.position,
      });
      expect(view.revision).toBe(events.at(-1)!.revision);
      expect(view.position).toBe(events.at(-1)!.position);
    });

    it("keeps the commitment's title as it was on the agenda, and a later session shows the revised one", async () => {
      const commitmentId = await propose('Border data exchange');
      const first = await schedule('2030-04-01T09:00:00Z');
      const firstItem = (await ok(`/sessions/${first}/agenda`, { commitmentId, kind: 'review' }, secretariat)).itemId;
      await ok(`/sessions/${first}/open`, { attendance: ['MA', 'QA'] }, secretariat);
      await ok(`/sessions/${first}/positions`, { itemId: firstItem, position: 'request_changes' }, maDelegate);
      await ok(`/sessions/${first}/positions`, { itemId: firstItem, position: 'request_changes' }, qaDelegate);
      await ok(`/sessions/${first}/close`, {}, secretariat);
      const revised = await ok(`/commitments/${commitmentId}/revise`, { title: 'Border and visa data exchange' }, ma);

      const second = await schedule('2030-05-01T09:00:00Z');
      const added = await ok(`/sessions/${second}/agenda`, { commitmentId, kind: 'review' }, secretariat);
      const after = Math.max(added.position, revised.position);
      const old = (await get(`/sessions/${first}?after=${after}`)).json() as SessionView;
      const fresh = (await get(`/sessions/${second}?after=${after}`)).json() as SessionView;
      expect(old.items.map((i) => [i.commitmentId, i.commitmentTitle, i.status])).toEqual([
        [commitmentId, 'Border data exchange', 'decided'],
      ]);
      expect(fresh.items.map((i) => [i.commitmentId, i.commitmentTitle, i.status, i.positionHistory])).toEqual([
        [commitmentId, 'Border and visa data exchange', 'open', []],
      ]);
    });

    it('shows a stream a tool wrote, without actors and about an unknown commitment, with nulls', async () => {
      // What `accord import` could bring in: events without the metadata the API's commands write.
      const sessionId = randomUUID();
      const itemId = randomUUID();
      const commitmentId = randomUUID();
      const at = '2030-07-01T09:00:00Z';
      const streamId = `session-${sessionId}`;
      const events = chainEvents(
        streamId,
        0,
        GENESIS_HASH,
        [
          ['SessionScheduled', { sessionId, agreementId, scheduledFor: at, venue: 'Rabat', parties: ['MA', 'QA'] }],
          ['AgendaItemAdded', { sessionId, itemId, commitmentId, kind: 'review', proposedDueDate: null }],
          ['SessionOpened', { sessionId, attendance: ['MA', 'QA'] }],
          ['PositionRecorded', { sessionId, itemId, party: 'QA', position: 'approve', note: null }],
        ].map(([type, data]) => ({ id: randomUUID(), type: type as string, data, metadata: {} })),
      );
      const appended = await t.store.append(streamId, events, { expectedRevision: 'no_stream' });
      const view = (await get(`/sessions/${sessionId}?after=${appended.position}`)).json() as SessionView;
      expect(view.items).toEqual([
        {
          itemId,
          commitmentId,
          commitmentTitle: null,
          kind: 'review',
          proposedDueDate: null,
          positions: { QA: { position: 'approve', note: null } },
          positionHistory: [
            {
              party: 'QA',
              position: 'approve',
              note: null,
              actor: null,
              occurredAt: appended.events[3].recordedAt,
              revision: 3,
              current: true,
            },
          ],
          status: 'open',
          outcome: null,
        },
      ]);
      const replayed = await t.request({ method: 'GET', url: `/sessions/${sessionId}/state`, key: ADMIN_KEY });
      expect(replayed.json()).toEqual({ ...view, asOfRevision: 3 });
    });

    it('answers 304 to a matching If-None-Match, 404 for an unknown session and 400 for a bad id', async () => {
      const scheduled = await ok(
        '/sessions',
        { agreementId, scheduledFor: '2030-06-01T09:00:00Z', venue: 'Rabat' },
        secretariat,
        201,
      );
      const sessionId = scheduled.id;
      const view = await get(`/sessions/${sessionId}?after=${scheduled.position}`);
      expect(view.headers.etag).toBe('"0"');
      const unchanged = await get(`/sessions/${sessionId}`, reader, { 'if-none-match': '"0"' });
      expect(unchanged.statusCode).toBe(304);
      expect(unchanged.body).toBe('');
      expect((await get(`/sessions/${sessionId}`, reader, { 'if-none-match': '"1"' })).statusCode).toBe(200);
      const unknown = await get(`/sessions/${randomUUID()}`);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('NOT_FOUND');
      expect((await get('/sessions/s-1')).json().code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /sessions', () => {
    let other: string;
    /** Session ids of `agreementId2`'s sessions in scheduled order, and their instants. */
    const order: { id: string; at: string }[] = [];

    beforeAll(async () => {
      other = (await t.post('/agreements', { ...MOROCCO_QATAR, title: 'Another agreement' }, secretariat)).json().id;
      // Out of order, two at the same instant, one with milliseconds: served by instant, then id.
      const instants = [
        '2031-03-01T09:00:00Z',
        '2031-01-15T08:00:00Z',
        '2031-02-01T10:00:00.500Z',
        '2031-02-01T10:00:00Z',
        '2031-02-01T10:00:00Z',
      ];
      for (const at of instants) order.push({ id: await schedule(at, other, 'Doha'), at });
      order.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : 1));
      await ok(`/sessions/${order[0].id}/open`, { attendance: ['MA', 'QA'] }, secretariat);
      await ok(`/sessions/${order[0].id}/close`, {}, secretariat);
      const last = await ok(`/sessions/${order[1].id}/open`, { attendance: ['MA', 'QA'] }, secretariat);
      expect(await workers.projections.waitFor('sessions', last.position)).toBe(true);
    });

    const ids = async (query: string): Promise<string[]> => {
      const response = await get(`/sessions?agreementId=${other}&${query}`);
      expect(response.statusCode).toBe(200);
      return (response.json().items as SessionView[]).map((s) => s.id);
    };

    it('lists the sessions in scheduled order, each as GET /sessions/{id} answers it', async () => {
      const response = await get(`/sessions?agreementId=${other}`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as { items: SessionView[]; nextCursor: string | null };
      expect(page.items.map((s) => s.id)).toEqual(order.map((s) => s.id));
      expect(page.nextCursor).toBeNull();
      for (const item of page.items) expect(item).toEqual((await get(`/sessions/${item.id}`)).json());
      const all = (await get('/sessions?limit=200')).json().items as SessionView[];
      expect(all.filter((s) => s.agreementId === other).map((s) => s.id)).toEqual(order.map((s) => s.id));
      expect(all.some((s) => s.agreementId === agreementId)).toBe(true);
    });

    it('filters by status, and by scheduled instant: from inclusive, to exclusive, whatever the offset', async () => {
      expect(await ids('status=closed')).toEqual([order[0].id]);
      expect(await ids('status=open')).toEqual([order[1].id]);
      expect(await ids('status=scheduled')).toEqual(order.slice(2).map((s) => s.id));
      const tenOClock = order.slice(1, 3).map((s) => s.id);
      // 11:00+01:00 is 10:00Z: both sessions at 10:00:00Z are from it on, the one at 10:00:00.500Z too.
      expect(await ids(`from=${encodeURIComponent('2031-02-01T11:00:00+01:00')}`)).toEqual(
        order.slice(1).map((s) => s.id),
      );
      expect(await ids(`to=${encodeURIComponent('2031-02-01T10:00:00.500Z')}`)).toEqual([order[0].id, ...tenOClock]);
      expect(await ids('from=2031-02-01T10:00:00.001Z&to=2031-03-01T09:00:00Z')).toEqual([order[3].id]);
      expect(await ids('from=2031-01-15T08:00:00Z&to=2031-01-15T08:00:00Z')).toEqual([]);
      expect(await ids('status=scheduled&from=2031-02-15T00:00:00Z')).toEqual([order[4].id]);
    });

    it('pages with limit and cursor, and refuses a cursor given with other filters', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/sessions?agreementId=${other}&status=scheduled&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await get(url)).json() as { items: SessionView[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((s) => s.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(order.slice(2).map((s) => s.id));
      expect(pages).toBe(2);

      const first = (await get(`/sessions?agreementId=${other}&limit=1`)).json();
      expect(first.nextCursor).toEqual(expect.any(String));
      // Another limit is the same list; other filters are not.
      const next = await get(`/sessions?agreementId=${other}&limit=3&cursor=${first.nextCursor}`);
      expect((next.json().items as SessionView[]).map((s) => s.id)).toEqual(order.slice(1, 4).map((s) => s.id));
      for (const query of [
        `cursor=${first.nextCursor}`,
        `agreementId=${other}&status=open&cursor=${first.nextCursor}`,
        `agreementId=${other}&from=2031-01-01T00:00:00Z&cursor=${first.nextCursor}`,
      ]) {
        const refused = await get(`/sessions?${query}`);
        expect(refused.statusCode).toBe(400);
        expect(refused.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'cursor' }] });
      }
      // The same instant written another way is the same filter.
      const from = (await get(`/sessions?agreementId=${other}&from=2031-01-01T00:00:00Z&limit=1`)).json().nextCursor;
      const same = await get(
        `/sessions?agreementId=${other}&from=${encodeURIComponent('2031-01-01T01:00:00+01:00')}&cursor=${from}`,
      );
      expect(same.statusCode).toBe(200);
    });

    it.each([
      ['from=2031-02-30T00:00:00Z', 'from'],
      ['to=2031-13-01T00:00:00Z', 'to'],
      ['from=2031-02-01', 'from'],
      ['to=tomorrow', 'to'],
      ['status=postponed', 'status'],
      ['agreementId=ma-qa', 'agreementId'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'cursor'],
      ['venue=Rabat', 'venue'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const response = await get(`/sessions?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  it('answers 503 while the live sessions read model is of an older version than the code reads', async () => {
    const other = await startTestApp({ workers: false });
    try {
      const key = await other.createKey('auditor');
      const id = randomUUID();
      const readModels = other.app.get(ReadModels);
      // The first read registers the read model at the version of the code.
      expect((await other.request({ method: 'GET', url: `/sessions/${id}`, key })).statusCode).toBe(404);
      await readModels.db.execute('UPDATE projection_registry SET version = 1 WHERE name = ?', ['sessions']);
      for (const url of [`/sessions/${id}`, '/sessions']) {
        const response = await other.request({ method: 'GET', url, key });
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', projection: 'sessions' });
      }
      await readModels.db.execute('UPDATE projection_registry SET version = 2 WHERE name = ?', ['sessions']);
      expect((await other.request({ method: 'GET', url: '/sessions', key })).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });
});
