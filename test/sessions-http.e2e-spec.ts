import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@accord/event-store';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

/**
 * The committee's sessions over HTTP, on the real app and SQLite. Only the session stream and the
 * answers are asserted here: what a decision does to its commitment is the process manager's.
 */
describe('sessions over HTTP (real app, SQLite)', () => {
  let t: TestApp;
  let secretariat: string;
  let maIntegration: string;
  let maDelegate: string;
  let qaDelegate: string;
  let frDelegate: string;
  let auditor: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    maIntegration = await t.createKey('integration', 'MA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    frDelegate = await t.createKey('delegate', 'FR');
    auditor = await t.createKey('auditor');
    const registered = await t.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;
  });
  afterAll(() => t.close());

  const sessionEvents = (sessionId: string): Promise<RecordedEvent[]> => t.store.readStream(`session-${sessionId}`);
  const typesOf = async (sessionId: string): Promise<string[]> => (await sessionEvents(sessionId)).map((e) => e.type);

  async function propose(): Promise<string> {
    const response = await t.post(
      '/commitments',
      {
        agreementId,
        title: 'Joint cybercrime investigation unit',
        description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
        dueDate: '2030-06-30',
      },
      maIntegration,
    );
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }

  const scheduleBody = (overrides: Record<string, unknown> = {}) => ({
    agreementId,
    scheduledFor: '2030-03-10T09:30:00Z',
    venue: 'Doha, Ministry of Interior',
    ...overrides,
  });

  async function schedule(): Promise<string> {
    const response = await t.post('/sessions', scheduleBody(), secretariat);
    expect(response.statusCode).toBe(201);
    expect(response.headers.location).toBe(`/sessions/${response.json().id}`);
    return response.json().id;
  }

  async function addItem(sessionId: string, commitmentId: string, kind = 'review'): Promise<string> {
    const response = await t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind }, secretariat);
    expect(response.statusCode).toBe(200);
    return response.json().itemId;
  }

  async function open(sessionId: string, attendance = ['MA', 'QA']): Promise<void> {
    expect((await t.post(`/sessions/${sessionId}/open`, { attendance }, secretariat)).statusCode).toBe(200);
  }

  /** A session, open with both parties, with one review item about a fresh proposal. */
  async function openSessionWithItem(): Promise<{ sessionId: string; itemId: string; commitmentId: string }> {
    const commitmentId = await propose();
    const sessionId = await schedule();
    const itemId = await addItem(sessionId, commitmentId);
    await open(sessionId);
    return { sessionId, itemId, commitmentId };
  }

  const position = (sessionId: string, key: string, body: Record<string, unknown>) =>
    t.post(`/sessions/${sessionId}/positions`, body, key);

  describe('scheduling', () => {
    it("schedules a session with the agreement's parties (201, ETag, the event in the session stream)", async () => {
      const response = await t.post('/sessions', scheduleBody(), secretariat);
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toEqual({
        id: expect.any(String),
        revision: 0,
        position: expect.any(Number),
        events: [{ type: 'SessionScheduled', revision: 0 }],
      });
      expect(response.headers.etag).toBe('"0"');
      const [event, ...rest] = await sessionEvents(body.id);
      expect(rest).toEqual([]);
      expect(event).toMatchObject({
        streamId: `session-${body.id}`,
        type: 'SessionScheduled',
        position: body.position,
        data: {
          sessionId: body.id,
          agreementId,
          scheduledFor: '2030-03-10T09:30:00Z',
          venue: 'Doha, Ministry of Interior',
          parties: ['MA', 'QA'],
        },
      });
      expect(event.metadata.actor).toMatchObject({ role: 'secretariat' });
    });

    it('lets the client choose the id, and a repeated scheduling answers as the first did', async () => {
      const id = randomUUID();
      const first = await t.post('/sessions', scheduleBody({ id }), secretariat);
      const again = await t.post('/sessions', scheduleBody({ id }), secretariat);
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(first.json().id).toBe(id);
      expect(await typesOf(id)).toEqual(['SessionScheduled']);
    });
  });

  describe('the agenda', () => {
    it('adds a review item for a proposed commitment and answers with its itemId', async () => {
      const commitmentId = await propose();
      const sessionId = await schedule();
      const response = await t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'review' }, secretariat);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toEqual({
        itemId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        id: sessionId,
        revision: 1,
        position: expect.any(Number),
        events: [{ type: 'AgendaItemAdded', revision: 1 }],
      });
      expect(response.headers.etag).toBe('"1"');
      const events = await sessionEvents(sessionId);
      expect(events[1]).toMatchObject({
        type: 'AgendaItemAdded',
        data: { sessionId, itemId: body.itemId, commitmentId, kind: 'review', proposedDueDate: null },
      });
    });

    it('takes the itemId the client chose', async () => {
      const sessionId = await schedule();
      const itemId = randomUUID();
      const response = await t.post(
        `/sessions/${sessionId}/agenda`,
        { itemId, commitmentId: await propose(), kind: 'review' },
        secretariat,
      );
      expect(response.statusCode).toBe(200);
      expect(response.json().itemId).toBe(itemId);
      expect((await sessionEvents(sessionId))[1].data).toMatchObject({ itemId });
    });

    it('answers a retry with the same Idempotency-Key with the same itemId, adding one item', async () => {
      const sessionId = await schedule();
      const body = { commitmentId: await propose(), kind: 'review' };
      const headers = { 'idempotency-key': randomUUID() };
      const first = await t.post(`/sessions/${sessionId}/agenda`, body, secretariat, headers);
      const again = await t.post(`/sessions/${sessionId}/agenda`, body, secretariat, headers);
      expect(first.statusCode).toBe(200);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      expect(await typesOf(sessionId)).toEqual(['SessionScheduled', 'AgendaItemAdded']);
    });
  });

  describe('consensus', () => {
    it('opens with both parties, records both positions, and reaches the decision when they agree', async () => {
      const { sessionId, itemId, commitmentId } = await openSessionWithItem();
      // The roll call's order does not matter: the event keeps the agreement's.
      expect((await sessionEvents(sessionId))[2]).toMatchObject({
        type: 'SessionOpened',
        data: { sessionId, attendance: ['MA', 'QA'] },
      });

      const ma = await position(sessionId, maDelegate, { itemId, position: 'approve', note: 'Well scoped' });
      expect(ma.statusCode).toBe(200);
      expect(ma.json().events).toEqual([{ type: 'PositionRecorded', revision: 3 }]);

      const qa = await position(sessionId, qaDelegate, { itemId, position: 'approve' });
      expect(qa.statusCode).toBe(200);
      expect(qa.json()).toMatchObject({
        id: sessionId,
        revision: 5,
        events: [
          { type: 'PositionRecorded', revision: 4 },
          { type: 'DecisionReached', revision: 5 },
        ],
      });

      const events = await sessionEvents(sessionId);
      expect(events.map((e) => e.type)).toEqual([
        'SessionScheduled',
        'AgendaItemAdded',
        'SessionOpened',
        'PositionRecorded',
        'PositionRecorded',
        'DecisionReached',
      ]);
      expect(events[3]).toMatchObject({ data: { itemId, party: 'MA', position: 'approve', note: 'Well scoped' } });
      expect(events[3].metadata.actor).toMatchObject({ role: 'delegate', party: 'MA' });
      expect(events[4]).toMatchObject({ data: { itemId, party: 'QA', position: 'approve', note: null } });
      expect(events[5].data).toEqual({
        sessionId,
        decisionId: `${sessionId}:${itemId}`,
        itemId,
        commitmentId,
        kind: 'review',
        outcome: 'approve',
        proposedDueDate: null,
        notes: [{ party: 'MA', note: 'Well scoped' }],
      });

      const closed = await t.post(`/sessions/${sessionId}/close`, {}, secretariat);
      expect(closed.statusCode).toBe(200);
      expect(closed.json().events).toEqual([{ type: 'SessionClosed', revision: 6 }]);
      expect((await sessionEvents(sessionId))[6].data).toEqual({ sessionId, decided: [itemId], deferred: [] });
    });

    it('keeps no decision while the parties disagree, and reaches one when a party changes its position', async () => {
      const { sessionId, itemId } = await openSessionWithItem();
      expect((await position(sessionId, maDelegate, { itemId, position: 'approve' })).statusCode).toBe(200);
      const qa = await position(sessionId, qaDelegate, { itemId, position: 'request_changes', note: 'Name contacts' });
      expect(qa.statusCode).toBe(200);
      expect(qa.json().events.map((e: { type: string }) => e.type)).toEqual(['PositionRecorded']);
      expect(await typesOf(sessionId)).not.toContain('DecisionReached');

      const changed = await position(sessionId, maDelegate, { itemId, position: 'request_changes' });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().events.map((e: { type: string }) => e.type)).toEqual([
        'PositionRecorded',
        'DecisionReached',
      ]);
      const decision = (await sessionEvents(sessionId)).at(-1);
      expect(decision).toMatchObject({
        type: 'DecisionReached',
        data: { itemId, outcome: 'request_changes', notes: [{ party: 'QA', note: 'Name contacts' }] },
      });
    });

    it('defers an undecided item when the session closes', async () => {
      const { sessionId, itemId, commitmentId } = await openSessionWithItem();
      expect((await position(sessionId, maDelegate, { itemId, position: 'approve' })).statusCode).toBe(200);
      expect((await position(sessionId, qaDelegate, { itemId, position: 'reject' })).statusCode).toBe(200);

      const closed = await t.post(`/sessions/${sessionId}/close`, {}, secretariat);
      expect(closed.statusCode).toBe(200);
      expect(closed.json().events).toEqual([
        { type: 'ItemDeferred', revision: 5 },
        { type: 'SessionClosed', revision: 6 },
      ]);
      const events = await sessionEvents(sessionId);
      expect(events.slice(-2).map((e) => [e.type, e.data])).toEqual([
        ['ItemDeferred', { sessionId, itemId, commitmentId, kind: 'review' }],
        ['SessionClosed', { sessionId, decided: [], deferred: [itemId] }],
      ]);
      expect(events.map((e) => e.type)).not.toContain('DecisionReached');
    });
  });

  describe('errors: problem+json with a stable code, and nothing appended', () => {
    /** Answers, and checks that the session stream and the agreement did not move. */
    async function refused(
      send: () => Promise<LightMyRequestResponse>,
      status: number,
      code: string,
      sessionId?: string,
    ): Promise<Record<string, unknown>> {
      const sessionsBefore = await guardedLogLength();
      const streamBefore = sessionId ? (await sessionEvents(sessionId)).length : 0;
      const response = await send();
      expect(response.statusCode).toBe(status);
      expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
      const problem = response.json();
      expect(problem).toMatchObject({ status, code, title: expect.any(String), type: expect.any(String) });
      expect(await guardedLogLength()).toBe(sessionsBefore);
      if (sessionId) expect(await sessionEvents(sessionId)).toHaveLength(streamBefore);
      return problem;
    }

    /** Session and agreement events in the global log (the process manager writes to commitments only). */
    async function guardedLogLength(): Promise<number> {
      return (await t.log()).filter((e) => e.streamId.startsWith('session-') || e.streamId.startsWith('agreement-'))
        .length;
    }

    it('refuses a position while a party is absent (422 RULE_VIOLATED full-attendance-required)', async () => {
      const commitmentId = await propose();
      const sessionId = await schedule();
      const itemId = await addItem(sessionId, commitmentId);
      await open(sessionId, ['MA']);
      const problem = await refused(
        () => position(sessionId, maDelegate, { itemId, position: 'approve' }),
        422,
        'RULE_VIOLATED',
        sessionId,
      );
      expect(problem.rule).toBe('full-attendance-required');
    });

    it('refuses an evaluation item about a commitment that is not completed (422)', async () => {
      const sessionId = await schedule();
      const commitmentId = await propose();
      const problem = await refused(
        () => t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'evaluation' }, secretariat),
        422,
        'RULE_VIOLATED',
        sessionId,
      );
      expect(problem.rule).toBe('item-fits-commitment-state');
    });

    it('refuses a proposed due date on a review item, and a position outside the kind’s options (422)', async () => {
      const { sessionId, itemId, commitmentId } = await openSessionWithItem();
      const other = await propose();
      const dated = await refused(
        () =>
          t.post(
            `/sessions/${sessionId}/agenda`,
            { commitmentId: other, kind: 'review', proposedDueDate: '2031-01-31' },
            secretariat,
          ),
        422,
        'RULE_VIOLATED',
        sessionId,
      );
      expect(dated.rule).toBe('proposed-due-date-only-for-extension');
      const granted = await refused(
        () => position(sessionId, maDelegate, { itemId, position: 'grant' }),
        422,
        'RULE_VIOLATED',
        sessionId,
      );
      expect(granted.rule).toBe('position-option-valid');
      const twice = await refused(
        () => t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'review' }, secretariat),
        422,
        'RULE_VIOLATED',
        sessionId,
      );
      expect(twice.rule).toBe('commitment-already-on-agenda');
    });

    it('refuses commands the state does not allow (422 ILLEGAL_TRANSITION)', async () => {
      const sessionId = await schedule();
      const problem = await refused(
        () => t.post(`/sessions/${sessionId}/close`, {}, secretariat),
        422,
        'ILLEGAL_TRANSITION',
        sessionId,
      );
      expect(problem).toMatchObject({ state: 'scheduled', command: 'CloseSession' });
      // Scheduled again with another body (here an unknown agreement): the session exists, so
      // it is a conflict with its revision, not a replay and not a check of the agreement.
      const again = await refused(
        () => t.post('/sessions', scheduleBody({ id: sessionId, agreementId: randomUUID() }), ADMIN_KEY),
        409,
        'CONFLICT',
        sessionId,
      );
      expect(again).toMatchObject({ currentRevision: 0 });
      await open(sessionId);
      await refused(
        () => t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat),
        422,
        'ILLEGAL_TRANSITION',
        sessionId,
      );
    });

    it('lets only delegates record positions, each for its own party (403)', async () => {
      const { sessionId, itemId } = await openSessionWithItem();
      const body = { itemId, position: 'approve' };
      // The route refuses roles that never take a position; the party always comes from the key.
      for (const key of [maIntegration, secretariat, auditor]) {
        await refused(() => position(sessionId, key, body), 403, 'FORBIDDEN', sessionId);
      }
      // An admin passes the route, and the decider refuses it: only a delegation takes a position.
      expect(await refused(() => position(sessionId, ADMIN_KEY, body), 403, 'FORBIDDEN', sessionId)).toMatchObject({
        command: 'RecordPosition',
      });
      // A delegate of a party that is not in the agreement.
      await refused(() => position(sessionId, frDelegate, body), 403, 'FORBIDDEN', sessionId);
      // No body field can name another party.
      await refused(
        () => position(sessionId, qaDelegate, { ...body, party: 'MA' }),
        400,
        'VALIDATION_FAILED',
        sessionId,
      );
    });

    it('lets only the secretariat schedule, set the agenda, open and close (403)', async () => {
      const sessionId = await schedule();
      const commitmentId = await propose();
      for (const key of [maDelegate, maIntegration, auditor]) {
        await refused(() => t.post('/sessions', scheduleBody(), key), 403, 'FORBIDDEN');
        await refused(
          () => t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'review' }, key),
          403,
          'FORBIDDEN',
          sessionId,
        );
        await refused(
          () => t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, key),
          403,
          'FORBIDDEN',
          sessionId,
        );
        await refused(() => t.post(`/sessions/${sessionId}/close`, {}, key), 403, 'FORBIDDEN', sessionId);
      }
      await refused(() => t.post('/sessions', scheduleBody(), ''), 401, 'UNAUTHENTICATED');
    });

    it('answers 404 for a session that was never scheduled, on every route', async () => {
      const unknown = randomUUID();
      const sends: [string, () => Promise<LightMyRequestResponse>][] = [
        // The missing session is reported before the commitment it names, which is missing too.
        [
          'AddAgendaItem',
          () => t.post(`/sessions/${unknown}/agenda`, { commitmentId: randomUUID(), kind: 'review' }, secretariat),
        ],
        ['OpenSession', () => t.post(`/sessions/${unknown}/open`, { attendance: ['MA', 'QA'] }, secretariat)],
        ['RecordPosition', () => position(unknown, maDelegate, { itemId: randomUUID(), position: 'approve' })],
        ['CloseSession', () => t.post(`/sessions/${unknown}/close`, {}, secretariat)],
      ];
      for (const [command, send] of sends) {
        const problem = await refused(send, 404, 'NOT_FOUND', unknown);
        expect(problem).toMatchObject({ entity: 'session', id: unknown, command });
      }
      expect(await sessionEvents(unknown)).toEqual([]);
    });

    it('answers 404 for an unknown agreement or commitment', async () => {
      expect(
        await refused(
          () => t.post('/sessions', scheduleBody({ agreementId: randomUUID() }), secretariat),
          404,
          'NOT_FOUND',
        ),
      ).toMatchObject({ entity: 'agreement' });
      const sessionId = await schedule();
      expect(
        await refused(
          () => t.post(`/sessions/${sessionId}/agenda`, { commitmentId: randomUUID(), kind: 'review' }, secretariat),
          404,
          'NOT_FOUND',
          sessionId,
        ),
      ).toMatchObject({ entity: 'commitment' });
    });

    it('answers 412 for a stale If-Match', async () => {
      const sessionId = await schedule();
      const problem = await refused(
        () => t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat, { 'if-match': '"3"' }),
        412,
        'WRONG_EXPECTED_REVISION',
        sessionId,
      );
      expect(problem.currentRevision).toBe(0);
    });

    describe('400 for bad bodies', () => {
      let sessionId: string;
      let openId: string;
      let itemId: string;
      beforeAll(async () => {
        sessionId = await schedule();
        ({ sessionId: openId, itemId } = await openSessionWithItem());
      });

      const cases: [string, () => Promise<LightMyRequestResponse>, string[]][] = [
        [
          'a time without Z',
          () => t.post('/sessions', scheduleBody({ scheduledFor: '2030-03-10T09:30:00+03:00' }), secretariat),
          ['scheduledFor'],
        ],
        [
          'a date for a time',
          () => t.post('/sessions', scheduleBody({ scheduledFor: '2030-03-10' }), secretariat),
          ['scheduledFor'],
        ],
        [
          'a day that does not exist',
          () => t.post('/sessions', scheduleBody({ scheduledFor: '2030-02-30T09:30:00Z' }), secretariat),
          ['scheduledFor'],
        ],
        [
          'no venue, an agreement id that is no UUID, an unknown field',
          () => t.post('/sessions', { ...scheduleBody({ agreementId: 'ma-qa' }), venue: '', room: 4 }, secretariat),
          ['agreementId', 'room', 'venue'],
        ],
        [
          'an unknown kind',
          () => t.post(`/sessions/${sessionId}/agenda`, { commitmentId: randomUUID(), kind: 'veto' }, secretariat),
          ['kind'],
        ],
        [
          'a proposed due date that is no date',
          () =>
            t.post(
              `/sessions/${sessionId}/agenda`,
              { commitmentId: randomUUID(), kind: 'extension', proposedDueDate: '2031-02-30' },
              secretariat,
            ),
          ['proposedDueDate'],
        ],
        [
          'a proposed due date in a month that does not exist',
          () =>
            t.post(
              `/sessions/${sessionId}/agenda`,
              { commitmentId: randomUUID(), kind: 'extension', proposedDueDate: '2031-13-01' },
              secretariat,
            ),
          ['proposedDueDate'],
        ],
        [
          'an agenda item without a commitment',
          () => t.post(`/sessions/${sessionId}/agenda`, { kind: 'review' }, secretariat),
          ['commitmentId'],
        ],
        [
          'attendance that is no list of party codes',
          () => t.post(`/sessions/${sessionId}/open`, { attendance: ['ma', 'MA', 'MA'] }, secretariat),
          ['attendance'],
        ],
        ['no attendance', () => t.post(`/sessions/${sessionId}/open`, {}, secretariat), ['attendance']],
        [
          'a position that no kind has',
          () => position(openId, maDelegate, { itemId, position: 'abstain' }),
          ['position'],
        ],
        [
          'an item id that is no UUID, a note that is no text',
          () => position(openId, maDelegate, { itemId: 'i-1', position: 'approve', note: 7 }),
          ['itemId', 'note'],
        ],
        ['a body on close', () => t.post(`/sessions/${sessionId}/close`, { force: true }, secretariat), ['force']],
        ['a session id that is no UUID', () => t.post('/sessions/s-1/close', {}, secretariat), []],
      ];

      it.each(cases.map(([name, send, fields]) => ({ name, send, fields })))('$name', async ({ send, fields }) => {
        const problem = await refused(send, 400, 'VALIDATION_FAILED');
        const named = ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);
        expect([...new Set(named)].sort()).toEqual(fields);
        expect(await sessionEvents(sessionId)).toHaveLength(1);
        expect(await sessionEvents(openId)).toHaveLength(3);
      });
    });
  });

  it('documents the routes and the itemId of the agenda answer in OpenAPI', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    for (const path of ['/sessions', '/sessions/{id}/open', '/sessions/{id}/positions', '/sessions/{id}/close']) {
      expect(doc.paths[path].post.responses['422']).toBeDefined();
    }
    const agenda = doc.paths['/sessions/{id}/agenda'].post.responses['200'];
    const ref: string = agenda.content['application/json'].schema.$ref;
    expect(doc.components.schemas[ref.split('/').at(-1) as string].properties.itemId).toBeDefined();
  });
});
