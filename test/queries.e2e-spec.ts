import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@accord/event-store';
import { Workers } from '../apps/api/src/workers/workers.module';
import { waitForEvent } from './support/internal-commands';
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
      evidence: [],
      lastProgressReport: null,
      completion: null,
      evaluation: null,
      review: null,
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

    // A cursor goes with the filters and sort it was issued for; limit may change.
    const first = (await get(`/commitments?agreementId=${other}&sort=-dueDate&limit=3`)).json();
    const cursor3 = first.nextCursor as string;
    const rest = await get(`/commitments?agreementId=${other}&sort=-dueDate&limit=10&cursor=${cursor3}`);
    expect(rest.statusCode).toBe(200);
    expect(rest.json()).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(rest.json().items.map((c: { id: string }) => c.id)).toEqual([...made].reverse().slice(3));
    for (const query of [
      `agreementId=${other}`, // the sort left out: createdAt
      `agreementId=${other}&sort=dueDate`,
      'sort=-dueDate', // a filter left out
      `agreementId=${other}&sort=-dueDate&domain=cybercrime`, // a filter added
      `agreementId=${agreementId}&sort=-dueDate`, // another value
      `agreementId=${other}&sort=-dueDate&overdue=false`,
    ]) {
      const refused = await get(`/commitments?${query}&cursor=${cursor3}`);
      expect({ query, status: refused.statusCode, body: refused.json() }).toEqual({
        query,
        status: 400,
        body: expect.objectContaining({
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'cursor', messages: [expect.stringContaining('other filters or sort')] }],
        }),
      });
    }
    // The default sort, spelled out, is the same question.
    const byDefault = (await get(`/commitments?agreementId=${other}&limit=4`)).json();
    const spelled = await get(`/commitments?agreementId=${other}&sort=createdAt&cursor=${byDefault.nextCursor}`);
    expect(spelled.json().items.map((c: { id: string }) => c.id)).toEqual(made.slice(4));
  });

  it('refuses dates that do not exist on every filter that takes one', async () => {
    for (const [query, field] of [
      ['dueBefore=2027-02-30', 'dueBefore'],
      ['dueBefore=2027-02-29', 'dueBefore'],
      ['dueAfter=2027-13-01', 'dueAfter'],
      ['dueAfter=2027-00-10', 'dueAfter'],
      ['dueAfter=2027-04-31', 'dueAfter'],
    ]) {
      const response = await get(`/commitments?${query}`);
      expect({ query, status: response.statusCode, code: response.json().code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(response.json().errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    expect((await get('/commitments?dueBefore=2028-02-29&dueAfter=2027-12-31')).statusCode).toBe(200);
  });

  it('pages by title with cursors that hold a long title, every commitment once', async () => {
    const other = (await t.post('/agreements', { ...MOROCCO_QATAR, title: 'Titles' }, secretariat)).json().id;
    // The longest sort keys: 300 characters, escaped in the cursor's JSON (\u0001) or two bytes each in UTF-8.
    const titles = ['\u0001', 'é', 'z'].flatMap((c) => [1, 2].map((i) => `${c.repeat(299)}${i}`));
    let last = 0;
    for (const title of titles) last = (await propose(ma, { agreementId: other, title })).position;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        `/commitments?agreementId=${other}&sort=-title&limit=1&after=${last}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.statusCode).toBe(200);
      seen.push(...response.json().items.map((c: { title: string }) => c.title));
      cursor = response.json().nextCursor;
      if (cursor) expect(cursor.length).toBeGreaterThan(500);
    } while (cursor);
    expect(seen).toEqual([...titles].sort().reverse());
  });

  it('pages a history with limit and cursor: every entry once, in order, a cursor bound to its commitment', async () => {
    const { id } = await propose(ma);
    let last = 0;
    for (let i = 0; i < 10; i++)
      last = (await t.post(`/commitments/${id}/revise`, { title: `T${i}` }, ma)).json().position;
    const walk = async (limit: number) => {
      const revisions: number[] = [];
      let pages = 0;
      let cursor: string | null = null;
      do {
        const response = await get(
          `/commitments/${id}/history?limit=${limit}&after=${last}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(response.statusCode).toBe(200);
        const page = response.json() as { items: { revision: number }[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(limit);
        revisions.push(...page.items.map((entry) => entry.revision));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      return { revisions, pages };
    };
    const all = Array.from({ length: 11 }, (_, i) => i);
    expect(await walk(3)).toEqual({ revisions: all, pages: 4 });
    expect(await walk(11)).toEqual({ revisions: all, pages: 1 });
    expect(await walk(1)).toEqual({ revisions: all, pages: 11 });
    expect(await walk(100)).toEqual({ revisions: all, pages: 1 });

    const cursor = (await get(`/commitments/${id}/history?limit=2`)).json().nextCursor as string;
    const listCursor = (await get(`/commitments?limit=1`)).json().nextCursor as string;
    const eventsCursor = (await get(`/commitments/${id}/events?limit=2`)).json().nextCursor as string;
    const another = await propose(ma);
    for (const url of [
      `/commitments/${another.id}/history?cursor=${cursor}`,
      `/commitments/${id}/history?cursor=not-a-cursor`,
      `/commitments/${id}/history?cursor=${listCursor}`,
      `/commitments/${id}/history?cursor=${eventsCursor}`,
      `/commitments?cursor=${cursor}`,
    ]) {
      const refused = await get(url);
      expect({ url, status: refused.statusCode, code: refused.json().code }).toEqual({
        url,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(refused.json().errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    }
    for (const query of ['limit=0', 'limit=1001', 'limit=x', 'extra=1']) {
      expect((await get(`/commitments/${id}/history?${query}`)).statusCode).toBe(400);
    }
    expect((await get(`/commitments/${randomUUID()}/history`)).statusCode).toBe(404);
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

  it('shows in the view what a lifecycle recorded: the review, the evidence, the completion, the evaluation', async () => {
    const { id } = await propose(ma, { title: 'Joint cyber desk' });
    const commitmentEvent = (type: string) => (event: RecordedEvent) =>
      event.streamId === `commitment-${id}` && event.type === type;
    /** A session with one item on the commitment, open, where both delegations take `position`. */
    const decide = async (kind: string, position: string, notes: { ma?: string; qa?: string }) => {
      const scheduled = await t.post(
        '/sessions',
        { agreementId, scheduledFor: '2027-05-01T09:00:00Z', venue: 'Doha' },
        secretariat,
      );
      const sessionId = scheduled.json().id as string;
      const itemId = (await t.post(`/sessions/${sessionId}/agenda`, { commitmentId: id, kind }, secretariat)).json()
        .itemId as string;
      expect((await t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat)).statusCode).toBe(
        200,
      );
      for (const [key, note] of [
        [maDelegate, notes.ma],
        [qaDelegate, notes.qa],
      ] as const) {
        const body = { itemId, position, ...(note ? { note } : {}) };
        expect((await t.post(`/sessions/${sessionId}/positions`, body, key)).statusCode).toBe(200);
      }
      return { sessionId, itemId };
    };
    const ok = async (url: string, body: unknown) => {
      const response = await t.post(url, body, ma);
      expect(response.statusCode).toBe(200);
      return response.json() as { revision: number; position: number };
    };

    const review = await decide('review', 'approve', { ma: 'Agreed' });
    const approved = await waitForEvent(t, commitmentEvent('CommitmentApproved'));
    await ok(`/commitments/${id}/start`, {});
    await ok(`/commitments/${id}/progress`, { percent: 40, narrative: 'Desk staffed' });
    const report = await ok(`/commitments/${id}/progress`, {
      percent: 70,
      narrative: 'Hotline open',
      evidence: [{ title: 'Hotline order', uri: 'https://example.org/hotline.pdf' }],
    });
    const completed = await ok(`/commitments/${id}/complete`, {
      summary: 'The desk runs 24/7',
      evidence: [
        { title: 'Annual report', uri: 'https://example.org/report.pdf' },
        { title: 'Case log', uri: 'https://example.org/cases' },
      ],
    });
    const evaluation = await decide('evaluation', 'partially_achieved', { ma: 'Ahead of plan', qa: 'Staff short' });
    const evaluated = await waitForEvent(t, commitmentEvent('CommitmentEvaluated'), approved.position);

    const response = await get(`/commitments/${id}?after=${evaluated.position}`);
    expect(response.statusCode).toBe(200);
    const events = await t.store.readStream(`commitment-${id}`);
    const at = (revision: number) => String(events[revision].metadata.occurredAt);
    expect(response.json()).toMatchObject({
      id,
      status: 'evaluated',
      progress: 70,
      revision: evaluated.revision,
      evidence: [
        {
          title: 'Hotline order',
          uri: 'https://example.org/hotline.pdf',
          reportedWith: 'progress',
          percent: 70,
          revision: report.revision,
          reportedAt: at(report.revision),
        },
        ...['Annual report', 'Case log'].map((title) => ({
          title,
          reportedWith: 'completion',
          percent: null,
          revision: completed.revision,
          reportedAt: at(completed.revision),
        })),
      ],
      lastProgressReport: {
        percent: 70,
        narrative: 'Hotline open',
        revision: report.revision,
        reportedAt: at(report.revision),
      },
      completion: { summary: 'The desk runs 24/7', revision: completed.revision, completedAt: at(completed.revision) },
      evaluation: {
        outcome: 'partially_achieved',
        notes: 'MA: Ahead of plan\nQA: Staff short',
        sessionId: evaluation.sessionId,
        decisionId: `${evaluation.sessionId}:${evaluation.itemId}`,
        revision: evaluated.revision,
        evaluatedAt: at(evaluated.revision),
      },
      review: {
        decision: 'approved',
        note: 'MA: Agreed',
        sessionId: review.sessionId,
        decisionId: `${review.sessionId}:${review.itemId}`,
        revision: approved.revision,
        decidedAt: at(approved.revision),
      },
    });
    expect(response.json().evidence).toHaveLength(3);
    // The list serves the same view.
    const listed = await get(`/commitments?agreementId=${agreementId}&status=evaluated&limit=200`);
    expect(listed.json().items.find((c: { id: string }) => c.id === id)).toEqual(response.json());
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
    expect(names).toEqual(['agreements', 'commitments', 'commitment-history', 'sessions', 'time-travel', 'log-tree']);
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
