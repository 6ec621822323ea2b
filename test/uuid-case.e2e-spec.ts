import { randomUUID } from 'node:crypto';
import { waitForEvent } from './support/internal-commands';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * UUIDs are case-insensitive (RFC 9562): the upper-case form of an id names the same
 * agreement, commitment, session or agenda item in commands, references and queries, and
 * only the lower-case form is ever stored or answered.
 */
describe('ids in any case name one stream, kept and answered in lower case (real app)', () => {
  let t: TestApp;
  let secretariat: string;
  let ma: string;
  let maDelegate: string;
  let qaDelegate: string;
  let auditor: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    auditor = await t.createKey('auditor');
    agreementId = randomUUID();
    const registered = await t.post('/agreements', { ...MOROCCO_QATAR, id: agreementId.toUpperCase() }, secretariat);
    expect(registered.statusCode).toBe(201);
    expect(registered.json().id).toBe(agreementId);
  });
  afterAll(() => t.close());

  const get = (url: string, key = ma) => t.request({ method: 'GET', url, key });
  const streamTypes = async (streamId: string) => (await t.store.readStream(streamId)).map((e) => e.type);
  const proposal = (overrides: Record<string, unknown> = {}) => ({
    agreementId: agreementId.toUpperCase(),
    title: 'Joint cybercrime investigation unit',
    description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    ...overrides,
  });

  it('keeps an agreement registered with an upper-case id under its lower-case one, for every command', async () => {
    expect(await streamTypes(`agreement-${agreementId}`)).toEqual(['AgreementRegistered']);
    expect(await streamTypes(`agreement-${agreementId.toUpperCase()}`)).toEqual([]);
    const amended = await t.post(
      `/agreements/${agreementId.toUpperCase()}/domains`,
      { domains: [...MOROCCO_QATAR.domains, 'maritime security'] },
      secretariat,
    );
    expect(amended.statusCode).toBe(200);
    expect(amended.json().id).toBe(agreementId);
    expect(await streamTypes(`agreement-${agreementId}`)).toEqual(['AgreementRegistered', 'AgreementDomainsAmended']);
  });

  it('proposes a commitment once, whatever the case of its id, and refers to the agreement in lower case', async () => {
    const id = randomUUID();
    const first = await t.post('/commitments', proposal({ id: id.toUpperCase() }), ma);
    expect(first.statusCode).toBe(201);
    expect(first.json().id).toBe(id);
    const mixed = id.replace(/[a-f]/, (c) => c.toUpperCase());
    for (const again of [id, mixed, id.toUpperCase()]) {
      const repeat = await t.post('/commitments', proposal({ id: again }), ma);
      expect(repeat.statusCode).toBeLessThan(300);
      expect(repeat.json().id).toBe(id);
    }
    const events = await t.store.readStream(`commitment-${id}`);
    expect(events.map((e) => e.type)).toEqual(['CommitmentProposed']);
    expect(events[0].data).toMatchObject({ commitmentId: id, agreementId });
    const proposed = (await t.log()).filter((e) => e.type === 'CommitmentProposed');
    expect(proposed.filter((e) => e.streamId.toLowerCase() === `commitment-${id}`)).toHaveLength(1);
  });

  it('takes commands on the upper-case path, and reads and audits by it', async () => {
    const id = randomUUID();
    expect((await t.post('/commitments', proposal({ id }), ma)).statusCode).toBe(201);
    const revised = await t.post(`/commitments/${id.toUpperCase()}/revise`, { title: 'Joint cyber unit' }, ma);
    expect(revised.statusCode).toBe(200);
    expect(revised.json().id).toBe(id);
    expect(await streamTypes(`commitment-${id}`)).toEqual(['CommitmentProposed', 'CommitmentRevised']);

    const after = revised.json().position;
    const ID = id.toUpperCase();
    const view = await get(`/commitments/${ID}?after=${after}`);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ id, agreementId, title: 'Joint cyber unit' });
    expect(view.headers.etag).toBe('"1"');
    expect((await get(`/commitments/${ID}/history?after=${after}`)).json().items).toHaveLength(2);
    const listed = await get(`/commitments?agreementId=${agreementId.toUpperCase()}&limit=200&after=${after}`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.map((c: { id: string }) => c.id)).toContain(id);
    const dashboard = await get(`/agreements/${agreementId.toUpperCase()}/dashboard?after=${after}`);
    expect(dashboard.statusCode).toBe(200);

    const state = await get(`/commitments/${ID}/state?revision=0`, auditor);
    expect(state.statusCode).toBe(200);
    expect(state.json()).toMatchObject({ id, revision: 0 });
    const events = await get(`/commitments/${ID}/events`, auditor);
    expect(events.statusCode).toBe(200);
    expect(events.json().items.map((e: { streamId: string }) => e.streamId)).toEqual([
      `commitment-${id}`,
      `commitment-${id}`,
    ]);
  });

  it('runs a session on upper-case ids: schedule, agenda, positions, and the decision reaches the commitment', async () => {
    const commitmentId = randomUUID();
    expect((await t.post('/commitments', proposal({ id: commitmentId }), ma)).statusCode).toBe(201);
    const sessionId = randomUUID();
    const itemId = randomUUID();
    const SID = sessionId.toUpperCase();
    const scheduled = await t.post(
      '/sessions',
      {
        id: SID,
        agreementId: agreementId.toUpperCase(),
        scheduledFor: '2030-03-10T09:30:00Z',
        venue: 'Doha, Ministry of Interior',
      },
      secretariat,
    );
    expect(scheduled.statusCode).toBe(201);
    expect(scheduled.json().id).toBe(sessionId);
    const agenda = await t.post(
      `/sessions/${SID}/agenda`,
      { commitmentId: commitmentId.toUpperCase(), itemId: itemId.toUpperCase(), kind: 'review' },
      secretariat,
    );
    expect(agenda.statusCode).toBe(200);
    expect(agenda.json()).toMatchObject({ id: sessionId, itemId });
    expect((await t.post(`/sessions/${SID}/open`, { attendance: ['MA', 'QA'] }, secretariat)).statusCode).toBe(200);
    for (const delegate of [maDelegate, qaDelegate]) {
      const position = await t.post(
        `/sessions/${SID}/positions`,
        { itemId: itemId.toUpperCase(), position: 'approve' },
        delegate,
      );
      expect(position.statusCode).toBe(200);
    }
    expect(await streamTypes(`session-${sessionId}`)).toEqual([
      'SessionScheduled',
      'AgendaItemAdded',
      'SessionOpened',
      'PositionRecorded',
      'PositionRecorded',
      'DecisionReached',
    ]);
    // The process manager carries the decision to the commitment: the lower-case stream.
    await waitForEvent(t, (e) => e.streamId === `commitment-${commitmentId}` && e.type === 'CommitmentApproved');
    const session = await get(`/sessions/${SID}?after=${(await t.log()).at(-1)!.position}`);
    expect(session.statusCode).toBe(200);
    expect(session.json()).toMatchObject({ id: sessionId, agreementId });
    expect(JSON.stringify(session.json())).toContain(itemId);
  });

  it('refuses a path id that is not a UUID with 400 saying so', async () => {
    for (const response of [
      await t.post('/commitments/not-a-uuid/start', {}, ma),
      await get('/sessions/XYZ'),
      await get(`/commitments/${randomUUID()}x/history`),
    ]) {
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'id must be a UUID' });
    }
  });

  it('leaves no upper-case UUID anywhere in the log: stream ids, data and metadata', async () => {
    const log = await t.log();
    expect(log.length).toBeGreaterThan(10);
    const upper = log.flatMap((event) =>
      [...JSON.stringify([event.streamId, event.data, event.metadata]).matchAll(UUID)]
        .map(([id]) => id)
        .filter((id) => id !== id.toLowerCase()),
    );
    expect(upper).toEqual([]);
  });
});
