import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

const STORE = process.env.ACCORD_TEST_STORE === 'postgres' ? 'PostgreSQL' : 'SQLite';

/**
 * Every acknowledgement true, in one instance (issue 12, items 1, 2 and 11): an
 * Idempotency-Key is claimed before its command runs, a creation on an existing id is a
 * replay or a conflict, and commands on one stream take turns instead of bouncing.
 * The same claims across processes and a SIGKILL: idempotency-processes.e2e-spec.ts.
 */
describe(`acknowledgements that tell the truth (real app, ${STORE})`, () => {
  let t: TestApp;
  let secretariat: string;
  let ma: string;
  let ma2: string;
  let qa: string;
  let maDelegate: string;
  let qaDelegate: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    ma2 = await t.createKey('integration', 'MA');
    qa = await t.createKey('integration', 'QA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    const registered = await t.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;
  });
  afterAll(() => t.close());

  const proposal = (overrides: Record<string, unknown> = {}) => ({
    agreementId,
    title: 'Joint cybercrime investigation unit',
    description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    dueDate: '2030-06-30',
    priority: 'high',
    ...overrides,
  });

  async function propose(key = ma, overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await t.post('/commitments', proposal(overrides), key);
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }

  const streamOf = (id: string) => t.store.readStream(`commitment-${id}`);

  describe('Idempotency-Key claimed before the command runs', () => {
    it('applies exactly one of 50 parallel requests with one key and 50 bodies, and refuses the other 49', async () => {
      const id = await propose();
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.post(`/commitments/${id}/revise`, { title: `Title ${i}` }, ma, { 'idempotency-key': key }),
        ),
      );
      const ok = responses.filter((r) => r.statusCode === 200);
      const reused = responses.filter((r) => r.statusCode === 409);
      expect(ok).toHaveLength(1);
      expect(reused).toHaveLength(49);
      for (const r of reused) expect(r.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      const events = await streamOf(id);
      expect(events.map((e) => e.type)).toEqual(['CommitmentProposed', 'CommitmentRevised']);
      // The one acknowledged is the one applied: its body's title is in the stream.
      const winner = responses.indexOf(ok[0]);
      expect((events[1].data as { changes: { title?: string } }).changes.title).toBe(`Title ${winner}`);
      expect(ok[0].json().revision).toBe(1);
    });

    it('answers 50 parallel identical requests with one answer and one event', async () => {
      const id = await propose();
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          t.post(`/commitments/${id}/revise`, { title: 'Once' }, ma, { 'idempotency-key': key }),
        ),
      );
      expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([200]));
      expect(new Set(responses.map((r) => r.body)).size).toBe(1);
      // One ran the command; every other one was answered with its answer.
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(await streamOf(id)).toHaveLength(2);
    });

    it('refuses one key reused on another commitment (another target), appending nothing there', async () => {
      const first = await propose();
      const second = await propose();
      const key = randomUUID();
      const a = await t.post(`/commitments/${first}/revise`, { title: 'Same' }, ma, { 'idempotency-key': key });
      expect(a.statusCode).toBe(200);
      const b = await t.post(`/commitments/${second}/revise`, { title: 'Same' }, ma, { 'idempotency-key': key });
      expect(b.statusCode).toBe(409);
      expect(b.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await streamOf(second)).toHaveLength(1);
    });

    it('refuses one key reused on another route of the same target', async () => {
      const id = await propose();
      const key = randomUUID();
      const withdrawn = await t.post(`/commitments/${id}/withdraw`, { reason: 'x' }, ma, { 'idempotency-key': key });
      expect(withdrawn.statusCode).toBe(200);
      const other = await t.post(`/commitments/${id}/start`, {}, ma, { 'idempotency-key': key });
      expect(other.statusCode).toBe(409);
      expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('keeps keys apart per principal: the same key of another caller is its own request', async () => {
      const id = await propose();
      const key = randomUUID();
      expect(
        (await t.post(`/commitments/${id}/revise`, { title: 'Mine' }, ma, { 'idempotency-key': key })).statusCode,
      ).toBe(200);
      const theirs = await t.post(`/commitments/${id}/revise`, { title: 'Theirs' }, ma2, { 'idempotency-key': key });
      expect(theirs.statusCode).toBe(200);
      expect(theirs.json().revision).toBe(2);
    });

    it('replays a refused command as it was refused', async () => {
      const id = await propose();
      const key = randomUUID();
      const refused = await t.post(`/commitments/${id}/start`, {}, ma, { 'idempotency-key': key });
      expect(refused.statusCode).toBe(422);
      const again = await t.post(`/commitments/${id}/start`, {}, ma, { 'idempotency-key': key });
      expect(again.statusCode).toBe(422);
      expect(again.json()).toEqual(refused.json());
      expect(String(again.headers['content-type'])).toMatch(/^application\/problem\+json/);
    });
  });

  describe('creation with a client-chosen id', () => {
    it('replays an identical proposal and refuses another body with 409 CONFLICT and the revision', async () => {
      const id = randomUUID();
      const first = await t.post('/commitments', proposal({ id }), ma);
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const same = await t.post('/commitments', proposal({ id }), ma);
      expect(same.statusCode).toBe(201);
      expect(same.json()).toEqual(first.json());
      expect(same.headers['idempotent-replayed']).toBe('true');
      for (const change of [{ title: 'Another title' }, { domain: 'border security' }, { priority: 'low' }]) {
        const other = await t.post('/commitments', proposal({ id, ...change }), ma);
        expect(other.statusCode).toBe(409);
        expect(other.json()).toMatchObject({ code: 'CONFLICT', currentRevision: 0 });
      }
      const events = await streamOf(id);
      expect(events).toHaveLength(1);
      expect((events[0].data as { title: string }).title).toBe('Joint cybercrime investigation unit');
    });

    it('answers 409, not 422, when another party reuses the id', async () => {
      const id = randomUUID();
      expect((await t.post('/commitments', proposal({ id }), ma)).statusCode).toBe(201);
      const theirs = await t.post('/commitments', proposal({ id }), qa);
      expect(theirs.statusCode).toBe(409);
      expect(theirs.json()).toMatchObject({ code: 'CONFLICT', currentRevision: 0 });
      expect(await streamOf(id)).toHaveLength(1);
    });

    it('replays a proposal of the same party by another of its keys, even after revisions', async () => {
      const id = randomUUID();
      const first = await t.post('/commitments', proposal({ id }), ma);
      expect((await t.post(`/commitments/${id}/revise`, { title: 'Later' }, ma)).statusCode).toBe(200);
      const replay = await t.post('/commitments', proposal({ id }), ma2);
      expect(replay.statusCode).toBe(201);
      expect(replay.json()).toEqual(first.json());
      expect(await streamOf(id)).toHaveLength(2);
    });

    it('answers 10 parallel proposals of one id with two bodies: one body in the stream, the other refused', async () => {
      const id = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.post('/commitments', proposal({ id, title: i % 2 === 0 ? 'Even' : 'Odd' }), ma),
        ),
      );
      const events = await streamOf(id);
      expect(events).toHaveLength(1);
      const stored = (events[0].data as { title: string }).title;
      responses.forEach((r, i) => {
        const title = i % 2 === 0 ? 'Even' : 'Odd';
        expect(r.statusCode).toBe(title === stored ? 201 : 409);
      });
    });

    it('does the same for agreements and sessions', async () => {
      const agreement = { ...MOROCCO_QATAR, id: randomUUID() };
      const registered = await t.post('/agreements', agreement, secretariat);
      expect(registered.statusCode).toBe(201);
      const again = await t.post('/agreements', agreement, secretariat);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(registered.json());
      const changed = await t.post('/agreements', { ...agreement, title: 'Another agreement' }, secretariat);
      expect(changed.statusCode).toBe(409);
      expect(changed.json()).toMatchObject({ code: 'CONFLICT', currentRevision: 0 });

      const session = { id: randomUUID(), agreementId, scheduledFor: '2030-03-10T09:30:00Z', venue: 'Rabat' };
      const scheduled = await t.post('/sessions', session, secretariat);
      expect(scheduled.statusCode).toBe(201);
      expect((await t.post('/sessions', session, secretariat)).json()).toEqual(scheduled.json());
      const moved = await t.post('/sessions', { ...session, venue: 'Doha' }, secretariat);
      expect(moved.statusCode).toBe(409);
      expect(moved.json()).toMatchObject({ code: 'CONFLICT', currentRevision: 0 });
      expect(await t.store.readStream(`session-${session.id}`)).toHaveLength(1);
    });
  });

  describe('contention on one stream', () => {
    it('absorbs 50 parallel progress reports on one commitment: every one succeeds, gap-free', async () => {
      const id = await propose();
      const { decide } = await import('./support/internal-commands');
      await decide(t, id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
      await decide(t, id, 'ApproveCommitment');
      expect((await t.post(`/commitments/${id}/start`, {}, ma)).statusCode).toBe(200);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.post(`/commitments/${id}/progress`, { percent: i, narrative: `report ${i}` }, ma),
        ),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
      const events = await streamOf(id);
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      expect(new Set(responses.map((r) => r.json().revision)).size).toBe(50);
    });

    it('records 100 parallel positions on one session without a single 409', async () => {
      const sessionId = await openSessionWithItems(50);
      const responses = await recordPositions(sessionId);
      expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
      const events = await t.store.readStream(`session-${sessionId}`);
      expect(events.filter((e) => e.type === 'PositionRecorded')).toHaveLength(100);
    });
  });

  let items: string[] = [];

  async function openSessionWithItems(count: number): Promise<string> {
    const scheduled = await t.post(
      '/sessions',
      { agreementId, scheduledFor: '2030-03-10T09:30:00Z', venue: 'Rabat' },
      secretariat,
    );
    expect(scheduled.statusCode).toBe(201);
    const sessionId = scheduled.json().id;
    items = [];
    for (let i = 0; i < count; i++) {
      const commitmentId = await propose();
      const added = await t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'review' }, secretariat);
      expect(added.statusCode).toBe(200);
      items.push(added.json().itemId);
    }
    expect((await t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat)).statusCode).toBe(
      200,
    );
    return sessionId;
  }

  /** Two disagreeing positions on every item: no decision ends an item, so all 100 are legal. */
  function recordPositions(sessionId: string): Promise<LightMyRequestResponse[]> {
    return Promise.all(
      items.flatMap((itemId) => [
        t.post(`/sessions/${sessionId}/positions`, { itemId, position: 'approve' }, maDelegate),
        t.post(`/sessions/${sessionId}/positions`, { itemId, position: 'reject' }, qaDelegate),
      ]),
    );
  }
});
