import { randomUUID } from 'node:crypto';
import { computeEventHash, GENESIS_HASH } from '@accord/audit';
import { decide as sendInternal } from './support/internal-commands';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

describe('commitments over HTTP (real app, SQLite)', () => {
  let t: TestApp;
  let secretariat: string;
  let ma: string;
  let qa: string;
  let auditor: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    qa = await t.createKey('integration', 'QA');
    auditor = await t.createKey('auditor');
    const registered = await t.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;
    expect(registered.headers.location).toBe(`/agreements/${agreementId}`);
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
    // RFC 9110 §15.3.2: a creation names what it created.
    expect(response.headers.location).toBe(`/commitments/${response.json().id}`);
    return response.json().id;
  }

  /** Committee decisions are internal commands: the session process manager sends them (#4). */
  const decide = (commitmentId: string, type: string, data: Record<string, unknown> = {}) =>
    sendInternal(t, commitmentId, type, data);

  async function eventsOf(commitmentId: string) {
    return t.store.readStream(`commitment-${commitmentId}`);
  }

  describe('the lifecycle', () => {
    it('walks proposal, revision, review, approval, start, progress, completion, evaluation and closing', async () => {
      const id = await propose();
      expect(
        (await t.post(`/commitments/${id}/revise`, { title: 'Joint cyber unit', priority: 'normal' }, ma)).statusCode,
      ).toBe(200);
      await decide(id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
      await decide(id, 'RequestChanges', { requestedChanges: 'Name the contact points' });
      expect(
        (await t.post(`/commitments/${id}/revise`, { description: 'With named contact points.' }, ma)).statusCode,
      ).toBe(200);
      await decide(id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
      await decide(id, 'ApproveCommitment');
      const started = await t.post(`/commitments/${id}/start`, {}, ma);
      expect(started.statusCode).toBe(200);
      const progress = await t.post(
        `/commitments/${id}/progress`,
        {
          percent: 60,
          narrative: 'Unit staffed',
          evidence: [{ title: 'Staffing order', uri: 'https://example.org/o.pdf' }],
        },
        ma,
      );
      expect(progress.statusCode).toBe(200);
      expect(progress.headers.etag).toBe(`"${progress.json().revision}"`);
      expect(
        (
          await t.post(
            `/commitments/${id}/complete`,
            { summary: 'Operational', evidence: [{ title: 'Report', uri: 'https://example.org/r' }] },
            ma,
          )
        ).statusCode,
      ).toBe(200);
      await decide(id, 'EvaluateCommitment', { outcome: 'achieved' });
      const closed = await t.post(`/commitments/${id}/close`, {}, secretariat);
      expect(closed.statusCode).toBe(200);

      const events = await eventsOf(id);
      expect(events.map((e) => e.type)).toEqual([
        'CommitmentProposed',
        'CommitmentRevised',
        'CommitmentPlacedOnAgenda',
        'CommitmentChangesRequested',
        'CommitmentRevised',
        'CommitmentPlacedOnAgenda',
        'CommitmentApproved',
        'CommitmentStarted',
        'ProgressReported',
        'CommitmentCompleted',
        'CommitmentEvaluated',
        'CommitmentClosed',
      ]);
      expect(closed.json()).toMatchObject({ id, revision: 11, events: [{ type: 'CommitmentClosed', revision: 11 }] });
      // Every event carries the metadata of the design and a sound hash chain.
      events.forEach((event, i) => {
        expect(event.metadata).toMatchObject({
          commandId: expect.any(String),
          correlationId: expect.any(String),
          causationId: expect.any(String),
          actor: expect.objectContaining({ id: expect.any(String), role: expect.any(String) }),
          occurredAt: expect.any(String),
        });
        expect(event.metadata.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1].metadata.hash);
        expect(event.metadata.hash).toBe(computeEventHash(event));
      });
      expect(events[0].metadata.actor).toMatchObject({ role: 'integration', party: 'MA' });

      // The view carries what the events recorded beside the state.
      const at = (revision: number) => String(events[revision].metadata.occurredAt);
      const view = await t.request({
        method: 'GET',
        url: `/commitments/${id}?after=${closed.json().position}`,
        key: auditor,
      });
      expect(view.json()).toMatchObject({
        status: 'closed',
        progress: 60,
        evidence: [
          {
            title: 'Staffing order',
            uri: 'https://example.org/o.pdf',
            reportedWith: 'progress',
            percent: 60,
            revision: 8,
            reportedAt: at(8),
          },
          {
            title: 'Report',
            uri: 'https://example.org/r',
            reportedWith: 'completion',
            percent: null,
            revision: 9,
            reportedAt: at(9),
          },
        ],
        lastProgressReport: { percent: 60, narrative: 'Unit staffed', revision: 8, reportedAt: at(8) },
        completion: { summary: 'Operational', revision: 9, completedAt: at(9) },
        evaluation: {
          outcome: 'achieved',
          notes: null,
          sessionId: null,
          decisionId: null,
          revision: 10,
          evaluatedAt: at(10),
        },
        // The latest decision on the proposal: the approval, after the request for changes.
        review: { decision: 'approved', note: null, revision: 6, decidedAt: at(6) },
      });
    });

    it('withdraws, rejects, suspends, resumes, extends and reopens', async () => {
      const withdrawn = await propose();
      expect((await t.post(`/commitments/${withdrawn}/withdraw`, { reason: 'Superseded' }, ma)).statusCode).toBe(200);

      const rejected = await propose();
      await decide(rejected, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
      const rejection = await decide(rejected, 'RejectCommitment', { reason: 'Out of scope' });
      const rejectedView = await t.request({
        method: 'GET',
        url: `/commitments/${rejected}?after=${rejection.position}`,
        key: auditor,
      });
      expect(rejectedView.json()).toMatchObject({
        status: 'rejected',
        review: { decision: 'rejected', note: 'Out of scope', revision: 2 },
        evidence: [],
        lastProgressReport: null,
        completion: null,
        evaluation: null,
      });

      const id = await propose();
      await decide(id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
      await decide(id, 'ApproveCommitment');
      await decide(id, 'SuspendCommitment', { reason: 'Budget review' });
      await decide(id, 'ResumeCommitment');
      await t.post(`/commitments/${id}/start`, {}, ma);
      await decide(id, 'ExtendDueDate', { dueDate: '2031-12-31' });
      await t.post(
        `/commitments/${id}/complete`,
        { summary: 'Done', evidence: [{ title: 'R', uri: 'https://e.org/r' }] },
        ma,
      );
      await decide(id, 'EvaluateCommitment', { outcome: 'partially_achieved', notes: 'Half the sites' });
      const evaluated = await t.request({
        method: 'GET',
        url: `/commitments/${id}?after=${(await t.log()).at(-1)!.position}`,
        key: auditor,
      });
      expect(evaluated.json().evaluation).toMatchObject({ outcome: 'partially_achieved', notes: 'Half the sites' });
      const reopened = await decide(id, 'ReopenCommitment', { reason: 'Finish the second half' });
      // Reopened, it is in progress again: no completion, no evaluation; the evidence stays.
      const view = await t.request({
        method: 'GET',
        url: `/commitments/${id}?after=${reopened.position}`,
        key: auditor,
      });
      expect(view.json()).toMatchObject({
        status: 'in_progress',
        evidence: [{ title: 'R', uri: 'https://e.org/r', reportedWith: 'completion' }],
        completion: null,
        evaluation: null,
        review: { decision: 'approved' },
      });

      expect((await eventsOf(withdrawn)).at(-1)?.type).toBe('CommitmentWithdrawn');
      expect((await eventsOf(rejected)).at(-1)?.type).toBe('CommitmentRejected');
      expect((await eventsOf(id)).map((e) => e.type).slice(2)).toEqual([
        'CommitmentApproved',
        'CommitmentSuspended',
        'CommitmentResumed',
        'CommitmentStarted',
        'DueDateExtended',
        'CommitmentCompleted',
        'CommitmentEvaluated',
        'CommitmentReopened',
      ]);
    });

    it('takes the correlation id from X-Correlation-Id and echoes it', async () => {
      const response = await t.post('/commitments', proposal(), ma, { 'x-correlation-id': 'ma-batch-42' });
      expect(response.headers['x-correlation-id']).toBe('ma-batch-42');
      const [event] = await eventsOf(response.json().id);
      expect(event.metadata.correlationId).toBe('ma-batch-42');
    });

    it('lets the client choose the id, and a repeated creation answers as the first did', async () => {
      const id = randomUUID();
      const first = await t.post('/commitments', proposal({ id }), ma);
      const again = await t.post('/commitments', proposal({ id }), ma);
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(again.headers.location).toBe(`/commitments/${id}`);
      expect(await eventsOf(id)).toHaveLength(1);
    });
  });

  describe('errors: problem+json with a stable code, and nothing appended', () => {
    let id: string;
    beforeAll(async () => {
      id = await propose();
    });

    const cases: Array<
      [
        string,
        () => Promise<{
          statusCode: number;
          headers: Record<string, unknown>;
          json: () => Record<string, unknown> & { errors?: { field: string }[] };
        }>,
        number,
        string,
      ]
    > = [
      ['a missing key', () => t.post('/commitments', proposal(), ''), 401, 'UNAUTHENTICATED'],
      ['a wrong key', () => t.post('/commitments', proposal(), 'acc_not-a-key'), 401, 'UNAUTHENTICATED'],
      ['an auditor writing', () => t.post('/commitments', proposal(), auditor), 403, 'FORBIDDEN'],
      [
        'another party revising',
        () => t.post(`/commitments/${id}/revise`, { title: 'Hijacked' }, qa),
        403,
        'FORBIDDEN',
      ],
      [
        'a non-admin issuing keys',
        () => t.post('/admin/keys', { name: 'x', role: 'admin' }, secretariat),
        403,
        'FORBIDDEN',
      ],
      [
        'bad fields',
        () => t.post('/commitments', { ...proposal(), title: '', priority: 'urgent', extra: 1 }, ma),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a percent over 100',
        () => t.post(`/commitments/${id}/progress`, { percent: 101, narrative: 'x' }, ma),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'malformed JSON',
        () =>
          t.request({
            method: 'POST',
            url: '/commitments',
            key: ma,
            headers: { 'content-type': 'application/json' },
            payload: '{"title":',
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a bad If-Match',
        () => t.post(`/commitments/${id}/revise`, { title: 'A' }, ma, { 'if-match': 'yesterday' }),
        400,
        'VALIDATION_FAILED',
      ],
      ['an id that is not a UUID', () => t.post('/commitments/not-a-uuid/start', {}, ma), 400, 'VALIDATION_FAILED'],
      ['an unknown commitment', () => t.post(`/commitments/${randomUUID()}/start`, {}, ma), 404, 'NOT_FOUND'],
      [
        'an unknown agreement',
        () => t.post('/commitments', proposal({ agreementId: randomUUID() }), ma),
        404,
        'NOT_FOUND',
      ],
      ['an unknown route', () => t.request({ method: 'GET', url: '/nowhere', key: ma }), 404, 'NOT_FOUND'],
      [
        'a known path with a method it does not take',
        () => t.request({ method: 'DELETE', url: `/commitments/${id}`, key: ma }),
        405,
        'METHOD_NOT_ALLOWED',
      ],
      [
        'PUT on a command route',
        () => t.request({ method: 'PUT', url: `/commitments/${id}/progress`, key: ma }),
        405,
        'METHOD_NOT_ALLOWED',
      ],
      [
        'a stale If-Match',
        () => t.post(`/commitments/${id}/revise`, { title: 'B' }, ma, { 'if-match': '"7"' }),
        412,
        'WRONG_EXPECTED_REVISION',
      ],
      [
        'a body over 1 MiB',
        () => t.post('/commitments', { ...proposal(), description: 'x'.repeat(1024 * 1024 + 1) }, ma),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'a text body',
        () =>
          t.request({
            method: 'POST',
            url: '/commitments',
            key: ma,
            headers: { 'content-type': 'text/plain' },
            payload: 'hello',
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['starting a proposal', () => t.post(`/commitments/${id}/start`, {}, ma), 422, 'ILLEGAL_TRANSITION'],
      [
        'a domain outside the agreement',
        () => t.post('/commitments', proposal({ domain: 'fisheries' }), ma),
        422,
        'RULE_VIOLATED',
      ],
    ];

    it.each(cases.map(([name, send, status, code]) => ({ name, send, status, code })))(
      '$name → $status $code',
      async ({ name: _name, send, status, code }) => {
        const before = (await t.log()).length;
        const response = await send();
        expect(response.statusCode).toBe(status);
        expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
        expect(response.json()).toMatchObject({ status, code, title: expect.any(String), type: expect.any(String) });
        if (code === 'VALIDATION_FAILED' && _name === 'bad fields') {
          const fields = (response.json().errors ?? []).map((e) => e.field).sort();
          expect(fields).toEqual(['extra', 'priority', 'title']);
        }
        if (code === 'WRONG_EXPECTED_REVISION') expect(response.json().currentRevision).toBe(0);
        // RFC 9110 §11.6.1: a 401 names the scheme to authenticate with.
        if (status === 401) expect(response.headers['www-authenticate']).toBe('Bearer realm="accord"');
        else expect(response.headers['www-authenticate']).toBeUndefined();
        // RFC 9110 §15.5.6: a 405 lists the methods the path takes.
        if (_name === 'a known path with a method it does not take') expect(response.headers.allow).toBe('GET, HEAD');
        if (_name === 'PUT on a command route') expect(response.headers.allow).toBe('POST');
        if (status !== 405) expect(response.headers.allow).toBeUndefined();
        if (code === 'ILLEGAL_TRANSITION')
          expect(response.json()).toMatchObject({ state: 'proposed', command: 'StartCommitment' });
        expect((await t.log()).length).toBe(before);
      },
    );

    it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with another body, appending nothing', async () => {
      const key = randomUUID();
      expect(
        (await t.post(`/commitments/${id}/revise`, { title: 'One' }, ma, { 'idempotency-key': key })).statusCode,
      ).toBe(200);
      const before = (await t.log()).length;
      const reused = await t.post(`/commitments/${id}/revise`, { title: 'Two' }, ma, { 'idempotency-key': key });
      expect(reused.statusCode).toBe(409);
      expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await t.log()).length).toBe(before);
    });

    it('never answers 500 to a client mistake in the shapes it accepts', async () => {
      const bodies: unknown[] = [
        null,
        [],
        'x',
        42,
        { percent: '50', narrative: 5 },
        { evidence: [{}] },
        { percent: '1e309' },
      ];
      for (const body of bodies) {
        const response = await t.request({
          method: 'POST',
          url: `/commitments/${id}/progress`,
          key: ma,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
      }
    });
  });

  describe('idempotency and concurrency', () => {
    it('turns 10 parallel retries with one Idempotency-Key into one set of events and one answer', async () => {
      const key = randomUUID();
      const before = (await t.log()).length;
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => t.post('/commitments', proposal(), ma, { 'idempotency-key': key })),
      );
      expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([201]));
      expect(new Set(responses.map((r) => r.body)).size).toBe(1);
      expect((await t.log()).length).toBe(before + 1);
    });

    it('remembers idempotency keys across a restart', async () => {
      const dir = t.dir;
      const key = randomUUID();
      const first = await t.post('/commitments', proposal(), ma, { 'idempotency-key': key });
      const count = (await t.log()).length;
      const other = await startTestApp({ dir });
      try {
        const again = await other.post('/commitments', proposal(), ma, { 'idempotency-key': key });
        expect(again.statusCode).toBe(first.statusCode);
        expect(again.body).toBe(first.body);
        expect((await other.log()).length).toBe(count);
      } finally {
        await other.close();
      }
    });

    it('refuses an If-Match that lost the race, and accepts the right one', async () => {
      const id = await propose();
      const ok = await t.post(`/commitments/${id}/revise`, { title: 'First' }, ma, { 'if-match': '"0"' });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"1"');
      const late = await t.post(`/commitments/${id}/revise`, { title: 'Second' }, ma, { 'if-match': '"0"' });
      expect(late.statusCode).toBe(412);
      expect(late.json()).toMatchObject({ status: 412, code: 'WRONG_EXPECTED_REVISION', currentRevision: 1 });
      expect(await eventsOf(id)).toHaveLength(2);
    });

    it('lets one of 10 parallel If-Match "0" revisions through, over two instances, and answers the rest 412', async () => {
      const id = await propose();
      const other = await startTestApp({ dir: t.dir });
      try {
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? t : other).post(`/commitments/${id}/revise`, { title: `Take ${i}` }, ma, {
              'if-match': '"0"',
            }),
          ),
        );
        const statuses = responses.map((r) => r.statusCode).sort();
        expect(statuses).toEqual([200, ...Array<number>(9).fill(412)]);
        for (const refused of responses.filter((r) => r.statusCode === 412)) {
          expect(refused.json()).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', currentRevision: 1 });
        }
        expect(await eventsOf(id)).toHaveLength(2);
      } finally {
        await other.close();
      }
    });

    it('compares If-Match strongly, by RFC 9110: a list, *, and never a weak tag', async () => {
      const id = await propose();
      const revise = (title: string, ifMatch: string) =>
        t.post(`/commitments/${id}/revise`, { title }, ma, { 'if-match': ifMatch });
      // A weak tag names revision 0 but never matches, alone or in a list of weak tags.
      for (const weak of ['W/"0"', 'W/"0", W/"1"']) {
        const refused = await revise('Weak', weak);
        expect(refused.statusCode).toBe(412);
        expect(refused.json()).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', currentRevision: 0 });
      }
      expect(await eventsOf(id)).toHaveLength(1);
      // Any strong tag of a list may match, whatever its place.
      const listed = await revise('Listed', '"5", W/"0", "0"');
      expect(listed.statusCode).toBe(200);
      expect(listed.headers.etag).toBe('"1"');
      // * holds for a commitment that exists …
      const any = await revise('Any', '*');
      expect(any.statusCode).toBe(200);
      expect(any.headers.etag).toBe('"2"');
      expect(await eventsOf(id)).toHaveLength(3);
      // … and fails for one that does not, before anything else is looked at.
      const missing = await t.post(`/commitments/${randomUUID()}/start`, {}, ma, { 'if-match': '*' });
      expect(missing.statusCode).toBe(412);
      expect(missing.json()).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', currentRevision: null });
      // A list with a malformed member is refused as a whole.
      const malformed = await revise('Bad', '"2", yesterday');
      expect(malformed.statusCode).toBe(400);
      expect(await eventsOf(id)).toHaveLength(3);
    });

    it('keeps 50 parallel progress reports gap-free with no lost update: they take turns and all succeed', async () => {
      const id = await propose();
      await decide(id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
      await decide(id, 'ApproveCommitment');
      await t.post(`/commitments/${id}/start`, {}, ma);
      const before = (await eventsOf(id)).length;
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.post(`/commitments/${id}/progress`, { percent: 50, narrative: `report ${i}` }, ma),
        ),
      );
      const ok = responses.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(50);
      const events = await eventsOf(id);
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      const reports = events.slice(before);
      expect(reports).toHaveLength(ok.length);
      expect(new Set(reports.map((e) => (e.data as { narrative: string }).narrative)).size).toBe(ok.length);
      expect(new Set(ok.map((r) => r.json().revision)).size).toBe(ok.length);
    });
  });

  it('issues keys only to the admin, hashed, with the party a role needs', async () => {
    const missingParty = await t.post('/admin/keys', { name: 'x', role: 'integration' }, ADMIN_KEY);
    expect(missingParty.statusCode).toBe(400);
    expect(missingParty.json().code).toBe('VALIDATION_FAILED');
    const created = await t.post('/admin/keys', { name: 'QA delegation', role: 'delegate', party: 'QA' }, ADMIN_KEY);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: expect.any(String), key: expect.stringMatching(/^acc_/), expiresAt: null });
  });

  it('serves the OpenAPI document with the error responses', async () => {
    const response = await t.request({ method: 'GET', url: '/docs-json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.paths['/commitments/{id}/progress'].post.responses['422']).toBeDefined();
    expect(doc.components.schemas.ProblemDetails).toBeDefined();
    // The conditional and the RFC-required headers are in the contract.
    const progress = doc.paths['/commitments/{id}/progress'].post.responses;
    expect(progress['412'].description).toContain('WRONG_EXPECTED_REVISION');
    expect(Object.keys(progress['200'].headers)).toEqual(['ETag']);
    expect(Object.keys(progress['401'].headers)).toEqual(['WWW-Authenticate']);
    expect(Object.keys(doc.paths['/commitments'].post.responses['201'].headers).sort()).toEqual(['ETag', 'Location']);
    expect((await t.request({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
  });
});
