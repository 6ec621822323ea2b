import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeEventHash, digestLog, GENESIS_HASH } from '@accord/audit';
import { describeEveryBrokenLink } from '@accord/audit/testing/broken-links.suite';
import { sqliteEventTable } from '@accord/audit/testing/event-tables';
import { describeTamperCases } from '@accord/audit/testing/tamper.suite';
import type { RecordedEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';
import { fakeDate } from './support/fake-date';
import { accord } from './support/cli';

async function openSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'accord-tamper-'));
  const file = join(dir, 'accord.db');
  const store = await SqliteEventStore.open(file);
  const table = sqliteEventTable(file);
  return {
    store,
    table,
    workerUrl: `sqlite:${file}`,
    async dispose() {
      await table.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeTamperCases('SQLite', openSqlite);
describeEveryBrokenLink('SQLite', openSqlite);

describe('auditors over HTTP', () => {
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
    return json;
  }

  async function sessionWith(commitmentId: string, kind: string, extra: Record<string, unknown> = {}) {
    const scheduledFor = new Date(Date.now() + 86_400_000).toISOString();
    const sessionId = (await ok('/sessions', { agreementId, scheduledFor, venue: 'Rabat' }, secretariat, 201)).id;
    const itemId = (await ok(`/sessions/${sessionId}/agenda`, { commitmentId, kind, ...extra }, secretariat)).itemId;
    await ok(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    return { sessionId, itemId };
  }

  async function agree(sessionId: string, itemId: string, position: string) {
    await ok(`/sessions/${sessionId}/positions`, { itemId, position }, maDelegate);
    await ok(`/sessions/${sessionId}/positions`, { itemId, position }, qaDelegate);
  }

  it('replays a commitment at every revision and instant exactly as the API served it then', async () => {
    const id = (
      await ok(
        '/commitments',
        {
          agreementId,
          title: 'Joint cybercrime investigation unit',
          description: 'Shared forensic lab',
          domain: 'cybercrime',
          leadAgencies: ['DGSN'],
          dueDate: '2027-06-30',
        },
        ma,
        201,
      )
    ).id;
    // What GET /commitments/{id} answered right after each revision, and the dashboard with it.
    const served: Record<string, unknown>[] = [];
    const dashboards: { at: string; body: Record<string, unknown> }[] = [];
    const record = async () => {
      const fresh = (await get(`/commitments/${id}/events?fromRevision=${served.length}`)).json()
        .items as RecordedEvent[];
      expect(fresh.length).toBeLessThanOrEqual(1);
      for (const event of fresh) {
        const view = (await get(`/commitments/${id}?after=${event.position}`)).json();
        expect(view.revision).toBe(event.revision);
        served.push(view);
      }
      // The dashboard at the head of the log: every event so far occurred at or before the head's instant.
      const head = (await t.log()).at(-1)!;
      const dashboard = await get(`/agreements/${agreementId}/dashboard?after=${head.position}`);
      dashboards.push({ at: String(head.metadata.occurredAt), body: dashboard.json() });
    };
    await record();
    await ok(`/commitments/${id}/revise`, { title: 'Joint cybercrime unit' }, ma);
    await record();
    const review = await sessionWith(id, 'review');
    await record();
    await agree(review.sessionId, review.itemId, 'approve');
    await record();
    await ok(`/commitments/${id}/start`, {}, ma);
    await record();
    await ok(`/commitments/${id}/progress`, { percent: 40, narrative: 'Lab equipped' }, ma);
    await record();
    fakeDate.set('2027-07-02T08:00:00Z');
    const head = (await t.log()).at(-1)!.position;
    expect(await workers.projections.waitFor('commitments', head)).toBe(true);
    expect(await workers.deadlines.tick()).toBe(1);
    await record();
    const extension = await sessionWith(id, 'extension', { proposedDueDate: '2027-12-31' });
    await record();
    await agree(extension.sessionId, extension.itemId, 'grant');
    await record();
    await ok(`/commitments/${id}/progress`, { percent: 100, narrative: 'First joint case closed' }, ma);
    await record();
    await ok(
      `/commitments/${id}/complete`,
      { summary: 'The unit runs', evidence: [{ title: 'Report', uri: 'https://e.org/r' }] },
      ma,
    );
    await record();
    const evaluation = await sessionWith(id, 'evaluation');
    await record();
    await agree(evaluation.sessionId, evaluation.itemId, 'achieved');
    await record();

    const events = (await get(`/commitments/${id}/events?limit=1000`)).json().items as RecordedEvent[];
    expect(served).toHaveLength(events.length);
    expect(served.length).toBeGreaterThanOrEqual(10);
    expect(served.some((view) => view.overdue === true)).toBe(true);
    // The record folds as the read model folds it: evidence, progress, completion, evaluation, review.
    expect(served.at(-1)).toMatchObject({
      status: 'evaluated',
      evidence: [{ title: 'Report', reportedWith: 'completion' }],
      lastProgressReport: { percent: 100, narrative: 'First joint case closed' },
      completion: { summary: 'The unit runs' },
      evaluation: { outcome: 'achieved', sessionId: evaluation.sessionId },
      review: { decision: 'approved', sessionId: review.sessionId },
    });
    for (let i = 1; i < events.length; i++) {
      expect(Date.parse(String(events[i].metadata.occurredAt))).toBeGreaterThan(
        Date.parse(String(events[i - 1].metadata.occurredAt)),
      );
    }

    for (const [revision, view] of served.entries()) {
      const byRevision = await get(`/commitments/${id}/state?revision=${revision}`);
      expect(byRevision.statusCode).toBe(200);
      expect(byRevision.json()).toEqual({ ...view, asOfRevision: revision });
      const at = String(events[revision].metadata.occurredAt);
      const justAfter = new Date(Date.parse(at) + 1).toISOString();
      for (const instant of [at, justAfter]) {
        const byInstant = await get(`/commitments/${id}/state?asOf=${encodeURIComponent(instant)}`);
        expect(byInstant.json()).toEqual({ ...view, asOfRevision: revision });
      }
    }
    const current = await get(`/commitments/${id}/state`);
    expect(current.json()).toEqual({ ...served.at(-1), asOfRevision: served.length - 1 });

    expect(dashboards.some(({ body }) => (body.overdue as unknown[]).length > 0)).toBe(true);
    expect(dashboards.some(({ body }) => Object.keys(body.awaitingPositions as object).length > 0)).toBe(true);
    for (const { at, body } of dashboards) {
      const replayed = await get(`/agreements/${agreementId}/dashboard?asOf=${encodeURIComponent(at)}`, secretariat);
      expect(replayed.statusCode).toBe(200);
      const { position: _live, ...expected } = body;
      const { position, asOf, ...actual } = replayed.json();
      expect(actual).toEqual(expected);
      expect(asOf).toBe(at);
      expect(position).toBeGreaterThan(0);
    }
    const before = new Date(Date.parse(String(events[0].metadata.occurredAt)) - 1).toISOString();
    expect((await get(`/commitments/${id}/state?asOf=${encodeURIComponent(before)}`)).statusCode).toBe(404);
    expect((await get(`/agreements/${agreementId}/dashboard?asOf=2020-01-01T00:00:00Z`)).statusCode).toBe(404);
  });

  it('serves raw events with their hashes, page by page', async () => {
    const id = (
      await ok(
        '/commitments',
        {
          agreementId,
          title: 'Border data exchange',
          description: 'd',
          domain: 'border security',
          leadAgencies: ['X'],
        },
        ma,
        201,
      )
    ).id;
    for (let i = 0; i < 4; i++) await ok(`/commitments/${id}/revise`, { title: `Border data exchange ${i}` }, ma);
    const all = await t.store.readStream(`commitment-${id}`);
    // Served as stored, each checked (test/integrity.e2e-spec.ts has the broken ones).
    const served = (events: RecordedEvent[]) =>
      (JSON.parse(JSON.stringify(events)) as RecordedEvent[]).map((event) => ({ ...event, integrity: 'ok' }));
    const page = await get(`/commitments/${id}/events?fromRevision=1&limit=3`);
    expect(page.statusCode).toBe(200);
    expect(page.json()).toEqual({ items: served(all.slice(1, 4)), nextCursor: expect.any(String) });
    for (const event of page.json().items as RecordedEvent[]) {
      expect(event.metadata.hash).toBe(computeEventHash(event));
    }
    expect(page.json().items[0].metadata.prevHash).toBe(all[0].metadata.hash);
    // The cursor goes on where fromRevision left off: revision 4, the last.
    const next = await get(`/commitments/${id}/events?limit=3&cursor=${page.json().nextCursor}`);
    expect(next.json()).toEqual({ items: served(all.slice(4)), nextCursor: null });
    expect((await get(`/commitments/${id}/events?fromRevision=5`)).json()).toEqual({ items: [], nextCursor: null });
    expect((await get(`/commitments/${id}/events?fromRevision=4`)).json().nextCursor).toBeNull();

    // Every page, every event once, in order, whatever the page size.
    for (const limit of [1, 2, 4, 5, 1000]) {
      const seen: RecordedEvent[] = [];
      let pages = 0;
      let cursor: string | null = null;
      do {
        const response = await get(`/commitments/${id}/events?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(response.statusCode).toBe(200);
        const body = response.json() as { items: RecordedEvent[]; nextCursor: string | null };
        expect(body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...body.items);
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(served(all));
      expect(pages).toBe(Math.ceil(all.length / limit));
    }

    // A cursor is bound to its commitment and its list, and carries where to start: not with fromRevision.
    const cursor = (await get(`/commitments/${id}/events?limit=2`)).json().nextCursor as string;
    const historyCursor = (await get(`/commitments/${id}/history?limit=2&after=${all.at(-1)!.position}`)).json()
      .nextCursor as string;
    const other = (
      await ok(
        '/commitments',
        { agreementId, title: 'Other', description: 'd', domain: 'cybercrime', leadAgencies: ['X'] },
        ma,
        201,
      )
    ).id;
    for (const [query, target] of [
      [`cursor=${cursor}&fromRevision=2`, id],
      [`cursor=${cursor}`, other],
      [`cursor=${historyCursor}`, id],
      ['cursor=bm90LWEtY3Vyc29y', id],
    ]) {
      const refused = await get(`/commitments/${target}/events?${query}`);
      expect({ query, status: refused.statusCode, code: refused.json().code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(refused.json().errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    }
  });

  it('answers 400 for bad parameters and 404 for what does not exist', async () => {
    const id = (
      await ok(
        '/commitments',
        { agreementId, title: 'Crisis drill', description: 'd', domain: 'counter-terrorism', leadAgencies: ['X'] },
        ma,
        201,
      )
    ).id;
    for (const query of [
      'revision=-1',
      'revision=1.5',
      'revision=abc',
      'asOf=yesterday',
      'asOf=2027-01-01',
      'asOf=2027-02-30T12:00:00Z',
      'asOf=2027-13-01T00:00:00Z',
      'asOf=2027-04-31T23:59:59%2B02:00',
      'revision=0&asOf=2027-01-01T00:00:00Z',
      'extra=1',
    ]) {
      const response = await get(`/commitments/${id}/state?${query}`);
      expect({ query, status: response.statusCode, code: response.json().code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    for (const query of ['limit=0', 'limit=1001', 'fromRevision=-1']) {
      expect((await get(`/commitments/${id}/events?${query}`)).statusCode).toBe(400);
    }
    for (const asOf of ['soon', '2027-02-30T12:00:00Z', '2027-13-01T00:00:00Z']) {
      const response = await get(`/agreements/${agreementId}/dashboard?asOf=${asOf}`, secretariat);
      expect({ asOf, status: response.statusCode }).toEqual({ asOf, status: 400 });
      expect(response.json().errors.map((e: { field: string }) => e.field)).toEqual(['asOf']);
    }
    expect((await get(`/commitments/not-a-uuid/state`)).statusCode).toBe(400);

    const beyond = await get(`/commitments/${id}/state?revision=1`);
    expect(beyond.statusCode).toBe(404);
    expect(beyond.json()).toMatchObject({ code: 'NOT_FOUND', lastRevision: 0 });
    const unknown = '0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11';
    expect((await get(`/commitments/${unknown}/state`)).statusCode).toBe(404);
    expect((await get(`/commitments/${unknown}/events`)).statusCode).toBe(404);
  });

  it('lets auditors and admins read, others not, and an auditor never write', async () => {
    const id = (
      await ok(
        '/commitments',
        { agreementId, title: 'Stadium security', description: 'd', domain: 'stadium security', leadAgencies: ['X'] },
        ma,
        201,
      )
    ).id;
    for (const url of ['/audit/digest', `/commitments/${id}/state`, `/commitments/${id}/events`]) {
      expect((await get(url, auditor)).statusCode).toBe(200);
      expect((await get(url, ADMIN_KEY)).statusCode).toBe(200);
      for (const key of [ma, secretariat, maDelegate]) expect((await get(url, key)).statusCode).toBe(403);
    }
    const before = (await t.log()).length;
    const writes = [
      t.post(
        '/commitments',
        { agreementId, title: 'x', description: 'd', domain: 'cybercrime', leadAgencies: ['X'] },
        auditor,
      ),
      t.post(`/commitments/${id}/revise`, { title: 'y' }, auditor),
      t.post('/agreements', MOROCCO_QATAR, auditor),
      t.post('/sessions', { agreementId, scheduledFor: '2027-09-01T09:00:00Z', venue: 'Doha' }, auditor),
    ];
    for (const response of await Promise.all(writes)) {
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('FORBIDDEN');
    }
    expect((await t.log()).length).toBe(before);
  });

  it('serves the running digest, advancing it as the log grows', async () => {
    const first = await get('/audit/digest');
    expect(first.statusCode).toBe(200);
    const log = await t.log();
    let digest = GENESIS_HASH;
    for (const event of log) {
      digest = createHash('sha256').update(`${digest}${event.metadata.hash}`).digest('hex');
    }
    expect(first.json()).toEqual({ position: log.at(-1)!.position, count: log.length, digest });
    expect(await digestLog(t.store)).toEqual(first.json());

    const written = await ok(
      '/commitments',
      { agreementId, title: 'Liaison officers', description: 'd', domain: 'cybercrime', leadAgencies: ['X'] },
      ma,
      201,
    );
    const added = await t.store.readAll({ after: log.at(-1)!.position });
    const [again, concurrent] = await Promise.all([get('/audit/digest'), get('/audit/digest')]);
    expect(again.json()).toEqual(concurrent.json());
    expect(again.json()).toMatchObject({ count: log.length + added.length, position: written.position });
    const step = added.reduce(
      (d, event) => createHash('sha256').update(`${d}${event.metadata.hash}`).digest('hex'),
      digest,
    );
    expect(again.json().digest).toBe(step);
  });
});

describe('npx accord audit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-audit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies a log written by the API, proves it extends a saved digest, and lists every broken link', async () => {
    const t = await startTestApp({ dir });
    const secretariat = await t.createKey('secretariat');
    const ma = await t.createKey('integration', 'MA');
    const auditor = await t.createKey('auditor');
    const agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const body = {
        agreementId,
        title: `Commitment ${i}`,
        description: 'd',
        domain: 'cybercrime',
        leadAgencies: ['X'],
      };
      const id = (await t.post('/commitments', body, ma)).json().id;
      ids.push(id);
      await t.post(`/commitments/${id}/revise`, { title: `Commitment ${i}, revised` }, ma);
    }
    const served = (await t.request({ method: 'GET', url: '/audit/digest', key: auditor })).body;
    const digestFile = join(dir, 'digest.json');
    writeFileSync(digestFile, served);
    const log = await t.log();
    await t.close();

    const env = { ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}` };
    const printed = await accord(['audit', 'digest'], env);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(JSON.parse(served));

    const intact = await accord(['audit', 'verify'], env);
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.stdout).toMatch(
      new RegExp(
        `intact: ${log.length} events in ${1 + ids.length} streams verified in [\\d.]+ s \\([\\d,]+ events/s\\)`,
      ),
    );
    const extended = await accord(['audit', 'verify', '--digest', digestFile], env);
    expect(extended.code).toBe(0);
    expect(extended.stdout).toMatch(/the log extends the saved digest of \d+ events/);

    // Commitment 2 rewritten, its chain recomputed: self-consistent, caught only by the digest.
    const table = sqliteEventTable(join(dir, 'accord.db'));
    const stream = log.filter((e) => e.streamId === `commitment-${ids[2]}`);
    let prevHash = GENESIS_HASH;
    for (const event of stream) {
      const data = { ...(event.data as object), ...(event.revision === 0 ? { title: 'Something else' } : {}) };
      const { hash: _hash, ...rest } = event.metadata;
      const metadata = { ...rest, prevHash };
      const hash = computeEventHash({ ...event, data, metadata });
      await table.update(event.position, {
        data: JSON.stringify(data),
        metadata: JSON.stringify({ ...metadata, hash }),
      });
      prevHash = hash;
    }
    expect(await accord(['audit', 'verify'], env)).toMatchObject({ code: 0 });
    const rewritten = await accord(['audit', 'verify', '--store', env.ACCORD_STORE, '--digest', digestFile]);
    expect(rewritten.code).toBe(3);
    expect(rewritten.stdout).toMatch(/^BROKEN at position \d+, commitment-[\w-]+ revision \d+: digest-mismatch/);

    // One byte of commitment 4's proposal, and one of commitment 1's revision: two findings, in log order.
    const target = log.find((e) => e.streamId === `commitment-${ids[4]}` && e.revision === 0)!;
    const row = await table.row(target.position);
    await table.update(target.position, { data: row.data.replace('Commitment 4', 'Commitment 5') });
    const revised = log.find((e) => e.streamId === `commitment-${ids[1]}` && e.revision === 1)!;
    const revisedRow = await table.row(revised.position);
    await table.update(revised.position, {
      data: revisedRow.data.replace('Commitment 1, revised', 'Commitment 1, revisee'),
    });
    await table.close();
    // Worker threads asked for by name: a log this short is verified in this thread by default (decision 0036).
    const broken = await accord(['audit', 'verify', '--json', '--workers', '2'], env);
    expect(broken.code).toBe(3);
    const findings = [
      {
        problem: 'hash-mismatch',
        streamId: revised.streamId,
        revision: 1,
        position: revised.position,
        found: revised.metadata.hash,
      },
      {
        problem: 'hash-mismatch',
        streamId: target.streamId,
        revision: 0,
        position: target.position,
        found: target.metadata.hash,
      },
    ];
    expect(JSON.parse(broken.stdout)).toMatchObject({
      intact: false,
      events: log.length,
      brokenLink: findings[0],
      brokenLinks: findings,
      brokenLinkCount: 2,
    });
    const inThread = await accord(['audit', 'verify', '--json', '--workers', '0'], env);
    expect(JSON.parse(inThread.stdout)).toMatchObject({ brokenLinks: findings, brokenLinkCount: 2 });
    const human = await accord(['audit', 'verify'], env);
    expect(human.code).toBe(3);
    const lines = human.stdout.split('\n').filter((line) => line.startsWith('BROKEN'));
    expect(lines).toEqual([
      `BROKEN at position ${revised.position}, ${revised.streamId} revision 1: hash-mismatch`,
      `BROKEN at position ${target.position}, ${target.streamId} revision 0: hash-mismatch`,
    ]);
    expect(human.stdout).toContain(`2 broken links in ${log.length} events in ${1 + ids.length} streams verified in`);
    // With the saved digest as well: the digest mismatch comes after the two events, at the end of what it witnessed.
    const all = JSON.parse((await accord(['audit', 'verify', '--json', '--digest', digestFile], env)).stdout);
    expect(all.brokenLinks.map((l: { problem: string }) => l.problem)).toEqual([
      'hash-mismatch',
      'hash-mismatch',
      'digest-mismatch',
    ]);

    // The digest the CLI prints is over the recomputed hashes, and it says the log is not what its hashes say.
    const recomputed = await accord(['audit', 'digest'], env);
    expect(recomputed.code).toBe(0);
    expect(JSON.parse(recomputed.stdout)).toEqual(all.digest);
    expect(JSON.parse(recomputed.stdout).digest).not.toBe(JSON.parse(served).digest);
    expect(recomputed.stderr).toContain('2 events of the log are not what their hashes say');

    expect((await accord(['audit', 'verify', '--digest', join(dir, 'nope.json')], env)).code).toBe(2);
    writeFileSync(join(dir, 'bad.json'), '{"position":1}');
    expect((await accord(['audit', 'verify', '--digest', join(dir, 'bad.json')], env)).code).toBe(2);
  });
});
