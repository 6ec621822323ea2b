import { randomUUID } from 'node:crypto';
import { commitmentStreamId } from '@accord/commitments';
import type { RecordedEvent } from '@accord/event-store';
import { LOG_BLOCK, SNAPSHOT_EVERY } from '@accord/read-models';
import { commitmentAt } from '../apps/api/src/audit/commitment-at';
import { replayDashboardAsOf } from '../apps/api/src/audit/dashboard-as-of';
import { TimeTravel } from '../apps/api/src/audit/time-travel';
import { ReadModels } from '../apps/api/src/workers/read-models';
import { Workers } from '../apps/api/src/workers/workers.module';
import { fakeDate } from './support/fake-date';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

/**
 * The time-travel read model (decision 0039) answers GET /commitments/{id}/state and the
 * as-of dashboard from snapshots and facts kept by position. Every answer here is compared
 * with the full replay from the log's first event (commitmentAt without a starting point,
 * replayDashboardAsOf), on a log longer than one block of LOG_BLOCK positions, whose
 * instants go backwards now and then (as a command retried after a conflict keeps its
 * instant), so that the cutoff is the first event past the instant and not a sorted search.
 */
describe('time travel from snapshots', () => {
  let t: TestApp;
  let auditor: string;
  let secretariat: string;
  let agreementId: string;
  let longId: string;
  let log: RecordedEvent[];
  let travel: TimeTravel;

  const REPORTS = 1300;

  beforeAll(async () => {
    fakeDate.start('2027-03-01T09:00:00Z');
    t = await startTestApp();
    travel = t.app.get(TimeTravel);
    secretariat = await t.createKey('secretariat');
    auditor = await t.createKey('auditor');
    const ma = await t.createKey('integration', 'MA');
    const maDelegate = await t.createKey('delegate', 'MA');
    const qaDelegate = await t.createKey('delegate', 'QA');
    const ok = async (url: string, body: unknown, key: string) => {
      fakeDate.advance();
      const response = await t.post(url, body, key);
      if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    };
    agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat)).id;
    const otherAgreement = (await ok('/agreements', { ...MOROCCO_QATAR, title: 'Another agreement' }, secretariat)).id;
    const propose = (agreement: string, title: string, dueDate: string) =>
      ok(
        '/commitments',
        { agreementId: agreement, title, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'], dueDate },
        ma,
      );
    longId = (await propose(agreementId, 'Joint cybercrime unit', '2027-06-30')).id;
    const short = (await propose(agreementId, 'Shared forensic lab', '2027-09-30')).id;
    await propose(otherAgreement, 'Elsewhere', '2027-09-30');
    // A session open with an item awaiting both delegations, then one position taken.
    const scheduledFor = new Date(Date.now() + 86_400_000).toISOString();
    const sessionId = (await ok('/sessions', { agreementId, scheduledFor, venue: 'Rabat' }, secretariat)).id;
    const itemId = (await ok(`/sessions/${sessionId}/agenda`, { commitmentId: short, kind: 'review' }, secretariat))
      .itemId;
    await ok(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await ok(`/sessions/${sessionId}/positions`, { itemId, position: 'approve' }, maDelegate);
    // The long stream, written straight to the store: progress with evidence now and then,
    // an instant a minute on each time, and every 7th an hour back (so that some snapshots
    // end on an event earlier than others they hold).
    const streamId = commitmentStreamId(longId);
    let revision = (await t.store.readStream(streamId)).length - 1;
    for (let i = 0; i < REPORTS; i += 100) {
      const batch = Array.from({ length: Math.min(100, REPORTS - i) }, (_, j) => {
        const n = i + j;
        fakeDate.advance(1);
        const at = new Date(Date.now() - (n % 7 === 6 ? 3_600_000 : 0)).toISOString();
        return {
          id: randomUUID(),
          type: 'ProgressReported',
          data: {
            commitmentId: longId,
            percent: n % 100,
            narrative: `report ${n}`,
            evidence: n % 50 === 0 ? [{ title: `evidence ${n}`, uri: `https://example.org/${n}` }] : [],
          },
          metadata: { occurredAt: at, actor: { id: 'bench', role: 'integration', party: 'MA' } },
        };
      });
      await t.store.append(streamId, batch, { expectedRevision: revision });
      revision += batch.length;
    }
    await ok(`/sessions/${sessionId}/positions`, { itemId, position: 'approve' }, qaDelegate);
    log = await t.log();
    expect(log.length).toBeGreaterThan(LOG_BLOCK);
    const head = log.at(-1)!.position;
    expect(await t.app.get(Workers).projections.waitFor('time-travel', head, 20_000)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await t.close();
    fakeDate.stop();
  });

  const get = (url: string) => t.request({ method: 'GET', url, key: auditor });

  it('keeps a snapshot every SNAPSHOT_EVERY revisions, each the fold of the stream up to it', async () => {
    const readModels = t.app.get(ReadModels);
    const tables = await readModels.tables('time-travel', undefined);
    const rows = await readModels.db.query<{ revision: unknown }>(
      `SELECT revision FROM "${tables.commitment_snapshots}" WHERE commitment_id = ? ORDER BY revision`,
      [longId],
    );
    const last = (await t.store.readStream(commitmentStreamId(longId))).at(-1)!.revision;
    expect(rows.map((r) => Number(r.revision))).toEqual(
      Array.from({ length: Math.floor((last + 1) / SNAPSHOT_EVERY) }, (_, i) => (i + 1) * SNAPSHOT_EVERY - 1),
    );
    for (const { revision } of rows) {
      const start = await travel.commitmentStart(longId, { revision: Number(revision) });
      expect(start?.revision).toBe(Number(revision));
      const { asOfRevision, ...replayed } = await commitmentAt(t.store, longId, { revision: Number(revision) });
      expect(asOfRevision).toBe(Number(revision));
      expect(start!.snapshot.state).toEqual((await replayedState(Number(revision))).state);
      expect(start!.snapshot.record.evidence).toEqual(replayed.evidence);
      expect(start!.snapshot.updatedAt).toBe(replayed.updatedAt);
      expect(start!.snapshot.createdAt).toBe(replayed.createdAt);
    }
  });

  /** The decider's state after `revision`, folded here from the stream. */
  async function replayedState(revision: number) {
    const { evolveCommitment, initialCommitmentState } = await import('@accord/commitments');
    let state = initialCommitmentState as ReturnType<typeof evolveCommitment>;
    for (const event of await t.store.readStream(commitmentStreamId(longId))) {
      if (event.revision > revision) break;
      state = evolveCommitment(state, event as never);
    }
    return { state };
  }

  it('answers ?revision= at every revision as the full replay does, and 404 past the end', async () => {
    const last = (await t.store.readStream(commitmentStreamId(longId))).at(-1)!.revision;
    const revisions = Array.from({ length: last + 1 }, (_, r) => r).filter(
      (r) =>
        r < 120 || r % 13 === 0 || r % SNAPSHOT_EVERY <= 1 || r % SNAPSHOT_EVERY === SNAPSHOT_EVERY - 1 || r === last,
    );
    for (const revision of revisions) {
      const answer = await get(`/commitments/${longId}/state?revision=${revision}`);
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual(await commitmentAt(t.store, longId, { revision }));
    }
    const past = await get(`/commitments/${longId}/state?revision=${last + 1}`);
    expect(past.statusCode).toBe(404);
    expect(past.json().lastRevision).toBe(last);
    const head = await get(`/commitments/${longId}/state`);
    expect(head.json()).toEqual(await commitmentAt(t.store, longId, undefined));
    expect(head.json().asOfRevision).toBe(last);
  });

  it('answers ?asOf= at instants around every event as the full replay does', async () => {
    const stream = await t.store.readStream(commitmentStreamId(longId));
    const instants = stream
      .filter((e, i) => i % 37 === 0 || (i % 7 >= 5 && ((i > 380 && i < 420) || (i > 1080 && i < 1120))))
      .flatMap((e) => {
        const ms = Date.parse(String(e.metadata.occurredAt));
        return [ms - 1, ms, ms + 1];
      });
    for (const ms of instants) {
      const asOf = new Date(ms).toISOString();
      const answer = await get(`/commitments/${longId}/state?asOf=${encodeURIComponent(asOf)}`);
      const replayed = await commitmentAt(t.store, longId, { asOf, asOfMs: ms }).catch(() => undefined);
      if (!replayed) expect(answer.statusCode).toBe(404);
      else expect(answer.json()).toEqual(replayed);
    }
  });

  it('answers the as-of dashboard at instants around the events of the log as the full replay does', async () => {
    const instants = [Date.parse('2020-01-01T00:00:00Z')];
    log.forEach((event, i) => {
      if (i < 25 || i % 43 === 0 || (i % 7 >= 5 && i % 11 === 0) || i >= log.length - 3) {
        const ms = Date.parse(String(event.metadata.occurredAt));
        instants.push(ms - 1, ms);
      }
    });
    let fromTables = 0;
    for (const ms of instants) {
      const asOf = new Date(ms).toISOString();
      const answer = await t.request({
        method: 'GET',
        url: `/agreements/${agreementId}/dashboard?asOf=${encodeURIComponent(asOf)}`,
        key: secretariat,
      });
      const replayed = await replayDashboardAsOf(t.store, agreementId, asOf, ms).catch(
        (error: { status?: number }) => error.status ?? 500,
      );
      if (typeof replayed === 'number') expect(answer.statusCode).toBe(replayed);
      else expect(answer.json()).toEqual(replayed);
      const sources = await travel.dashboardAt(agreementId, ms);
      if (sources) fromTables++;
      if (sources && typeof replayed !== 'number') expect(sources.position).toBe(replayed.position);
    }
    // Every instant was answered from the read model, none by falling back to the replay.
    expect(fromTables).toBe(instants.length);
  });
});
