import { randomUUID } from 'node:crypto';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

describe('the read side over HTTP', () => {
  let t: TestApp;
  let secretariat: string;
  let ma: string;
  let qa: string;
  let auditor: string;
  let maDelegate: string;
  let qaDelegate: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    qa = await t.createKey('integration', 'QA');
    auditor = await t.createKey('auditor');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
  });
  afterAll(() => t.close());

  const get = (url: string, key = auditor, headers: Record<string, string> = {}) =>
    t.request({ method: 'GET', url, key, headers });

  const propose = async (key: string, overrides: Record<string, unknown> = {}) => {
    const response = await t.post(
      '/commitments',
      {
        agreementId,
        title: `Commitment ${randomUUID().slice(0, 8)}`,
        description: 'd',
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
        ...overrides,
      },
      key,
    );
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; position: number; revision: number };
  };

  it('reads its own writes 100 times in a row with ?after=', async () => {
    const { id } = await propose(ma);
    for (let i = 0; i < 100; i++) {
      const write = await t.post(`/commitments/${id}/revise`, { title: `Title ${i}` }, ma);
      expect(write.statusCode).toBe(200);
      const read = await get(`/commitments/${id}?after=${write.json().position}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id, title: `Title ${i}`, revision: write.json().revision });
    }
  });

  it('serves a commitment with its ETag, and 304 when unchanged', async () => {
    const created = await propose(qa, { dueDate: '2031-01-31', priority: 'high' });
    const response = await get(`/commitments/${created.id}?after=${created.position}`);
    expect(response.headers.etag).toBe('"0"');
    expect(response.json()).toEqual({
      id: created.id,
      agreementId,
      title: expect.any(String),
      description: 'd',
      domain: 'cybercrime',
      proposingParty: 'QA',
      leadAgencies: ['DGSN'],
      status: 'proposed',
      overdue: false,
      dueDate: '2031-01-31',
      priority: 'high',
      progress: 0,
      revision: 0,
      position: created.position,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await get(`/commitments/${created.id}`, auditor, { 'if-none-match': '"0"' })).statusCode).toBe(304);
    // Weak comparison, lists and * (RFC 9110 §13.1.2); another revision reads in full.
    for (const header of ['W/"0"', '"7", "0"', '*']) {
      expect((await get(`/commitments/${created.id}`, auditor, { 'if-none-match': header })).statusCode).toBe(304);
    }
    const changed = await get(`/commitments/${created.id}`, auditor, { 'if-none-match': '"7", W/"8"' });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).toBe('"0"');
    expect((await get(`/commitments/${randomUUID()}`)).json().code).toBe('NOT_FOUND');
  });

  it('filters, sorts and pages with a cursor, and every page fits the filter', async () => {
    const other = (await t.post('/agreements', { ...MOROCCO_QATAR, title: 'Other' }, secretariat)).json().id;
    const made: string[] = [];
    let last = 0;
    for (let i = 0; i < 7; i++) {
      const r = await t.post(
        '/commitments',
        {
          agreementId: other,
          title: `P${i}`,
          description: 'd',
          domain: i % 2 ? 'cybercrime' : 'border security',
          leadAgencies: ['X'],
          dueDate: `2031-0${i + 1}-15`,
        },
        i % 3 ? ma : qa,
      );
      made.push(r.json().id);
      last = r.json().position;
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        `/commitments?agreementId=${other}&sort=-dueDate&limit=3&after=${last}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.statusCode).toBe(200);
      const page = response.json() as { items: { id: string; dueDate: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());

    const cyber = (await get(`/commitments?agreementId=${other}&domain=cybercrime&party=MA`)).json().items;
    expect(
      cyber.every(
        (c: { domain: string; proposingParty: string }) => c.domain === 'cybercrime' && c.proposingParty === 'MA',
      ),
    ).toBe(true);
    const due = (await get(`/commitments?agreementId=${other}&dueBefore=2031-03-01&dueAfter=2031-01-20`)).json().items;
    expect(due.map((c: { dueDate: string }) => c.dueDate)).toEqual(['2031-02-15']);
    expect((await get('/commitments?status=bogus')).statusCode).toBe(400);
    expect((await get('/commitments?cursor=not-a-cursor')).json().code).toBe('VALIDATION_FAILED');
    expect((await get('/commitments?limit=1000')).statusCode).toBe(400);
  });

  it('tells the history of a commitment: who, when, what changed, in sentences', async () => {
    const { id } = await propose(ma, { title: 'Cyber desk' });
    const revised = await t.post(`/commitments/${id}/revise`, { title: 'Joint cyber desk', priority: 'high' }, ma);
    const history = await get(`/commitments/${id}/history?after=${revised.json().position}`);
    expect(history.statusCode).toBe(200);
    const items = history.json().items;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      revision: 0,
      type: 'CommitmentProposed',
      actor: { role: 'integration', party: 'MA' },
      summary: 'MA proposed "Cyber desk" in cybercrime.',
      changes: { status: { from: null, to: 'proposed' } },
    });
    expect(items[1]).toMatchObject({
      type: 'CommitmentRevised',
      changes: { title: { from: 'Cyber desk', to: 'Joint cyber desk' }, priority: { from: 'normal', to: 'high' } },
    });
  });

  it('shows a session and the dashboard with the items awaiting each party', async () => {
    const { id } = await propose(ma);
    const session = await t.post(
      '/sessions',
      { agreementId, scheduledFor: '2027-03-01T09:00:00Z', venue: 'Rabat' },
      secretariat,
    );
    const sessionId = session.json().id;
    const item = await t.post(`/sessions/${sessionId}/agenda`, { commitmentId: id, kind: 'review' }, secretariat);
    await t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    const position = await t.post(
      `/sessions/${sessionId}/positions`,
      { itemId: item.json().itemId, position: 'approve' },
      maDelegate,
    );
    const view = await get(`/sessions/${sessionId}?after=${position.json().position}`);
    // A session has an ETag, its revision, as a commitment has.
    expect(view.headers.etag).toBe(`"${view.json().revision}"`);
    const unchanged = await get(`/sessions/${sessionId}`, auditor, { 'if-none-match': `W/${view.headers.etag}` });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect(view.json()).toMatchObject({
      id: sessionId,
      status: 'open',
      attendance: ['MA', 'QA'],
      items: [
        { itemId: item.json().itemId, commitmentId: id, status: 'open', positions: { MA: { position: 'approve' } } },
      ],
    });
    const dashboard = await get(`/agreements/${agreementId}/dashboard?after=${position.json().position}`);
    expect(dashboard.statusCode).toBe(200);
    const body = dashboard.json();
    expect(body.awaitingPositions.QA).toEqual(
      expect.arrayContaining([expect.objectContaining({ sessionId, commitmentId: id })]),
    );
    expect(body.awaitingPositions.MA.some((i: { commitmentId: string }) => i.commitmentId === id)).toBe(false);
    expect(
      body.counts.some(
        (c: { status: string; domain: string; party: string }) => c.status === 'under_review' && c.party === 'MA',
      ),
    ).toBe(true);

    const decided = await t.post(
      `/sessions/${sessionId}/positions`,
      { itemId: item.json().itemId, position: 'approve' },
      qaDelegate,
    );
    expect(decided.statusCode).toBe(200);
    expect((await get(`/agreements/${randomUUID()}/dashboard`)).statusCode).toBe(404);
  });

  it('reports projections, and rebuilds one while serving, with identical rows after the swap', async () => {
    const workers = t.app.get(Workers);
    // Let the process manager finish what earlier tests set off, then read at the head. What it
    // handles may append (a decision carried to its commitment): wait until the head holds still.
    let head = (await t.log()).at(-1)!.position;
    for (;;) {
      expect(await workers.processManager.waitFor(head)).toBe(true);
      const now = (await t.log()).at(-1)!.position;
      if (now === head) break;
      head = now;
    }
    const before = await get(`/commitments?agreementId=${agreementId}&limit=200&after=${head}`);
    const status = await get('/projections', secretariat);
    expect(status.statusCode).toBe(200);
    const names = status.json().items.map((p: { name: string }) => p.name);
    expect(names).toEqual(['agreements', 'commitments', 'commitment-history', 'sessions']);
    expect(status.json().items[0]).toMatchObject({ version: 1, state: 'live', lag: expect.any(Number) });
    expect(status.json().processManager).toEqual({ checkpoint: expect.any(Number), lag: expect.any(Number) });
    expect(status.json().processManager.checkpoint).toBeGreaterThanOrEqual(head);

    const started = await t.post('/admin/projections/commitments/rebuild', {}, ADMIN_KEY);
    expect(started.statusCode).toBe(202);
    await workers.projections.rebuild('commitments');
    const after = await get(`/commitments?agreementId=${agreementId}&limit=200`);
    expect(after.json()).toEqual(before.json());
    const generation = (await get('/projections', secretariat)).json().items[1].generation;
    expect(generation).toBeGreaterThan(1);
    expect((await t.post('/admin/projections/nope/rebuild', {}, ADMIN_KEY)).statusCode).toBe(404);
    expect((await get('/projections', ma)).statusCode).toBe(403);
  });
});
