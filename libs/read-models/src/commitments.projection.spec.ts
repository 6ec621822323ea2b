import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitmentStreamId, type CommitmentEvent } from '@accord/commitments';
import type { NewEvent, RecordedEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { ProjectionRunner, type Projection } from '@accord/projection-runner';
import { SqliteDb } from '@accord/sql';
import {
  commitmentsProjection,
  evolveCommitmentRecord,
  initialCommitmentRecord,
  toCommitmentView,
  type CommitmentRow,
} from './commitments.projection';

const MA = { id: 'key-ma', role: 'integration', party: 'MA' };
const COMMITTEE = { id: 'committee-process-manager', role: 'system' };
const SESSION = '5f0c2b1e-7a3d-4c6e-9b8a-2d4e6f8a0b1c';

/** One commitment's events as its stream would hold them, one minute apart from 2027-01-04T09:00Z. */
function lifecycle(commitmentId: string): NewEvent[] {
  const events: [CommitmentEvent, object][] = [
    [
      {
        type: 'CommitmentProposed',
        data: {
          commitmentId,
          agreementId: randomUUID(),
          title: 'Joint cybercrime unit',
          description: 'd',
          domain: 'cybercrime',
          leadAgencies: ['DGSN'],
          dueDate: '2027-06-30',
          priority: 'high',
          proposingParty: 'MA',
        },
      },
      MA,
    ],
    [{ type: 'CommitmentPlacedOnAgenda', data: { commitmentId, sessionId: SESSION, itemId: 'i1' } }, COMMITTEE],
    [
      {
        type: 'CommitmentApproved',
        data: { commitmentId, sessionId: SESSION, decisionId: `${SESSION}:i1`, note: 'MA: Agreed' },
      },
      COMMITTEE,
    ],
    [{ type: 'CommitmentStarted', data: { commitmentId } }, MA],
    [{ type: 'ProgressReported', data: { commitmentId, percent: 30, narrative: 'Hired', evidence: [] } }, MA],
    [
      {
        type: 'ProgressReported',
        data: {
          commitmentId,
          percent: 60,
          narrative: 'Staffed',
          evidence: [{ title: 'Staffing order', uri: 'https://e.org/o.pdf' }],
        },
      },
      MA,
    ],
    [
      {
        type: 'CommitmentCompleted',
        data: {
          commitmentId,
          summary: 'Operational',
          evidence: [
            { title: 'Report', uri: 'https://e.org/r' },
            { title: 'Photos', uri: 'https://e.org/p' },
          ],
        },
      },
      MA,
    ],
    [
      {
        type: 'CommitmentEvaluated',
        data: { commitmentId, sessionId: SESSION, decisionId: `${SESSION}:i2`, outcome: 'achieved', notes: null },
      },
      COMMITTEE,
    ],
  ];
  return events.map(([event, actor], i) => ({
    id: randomUUID(),
    type: event.type,
    data: event.data,
    metadata: { actor, occurredAt: new Date(Date.UTC(2027, 0, 4, 9, i)).toISOString() },
  }));
}

const at = (minute: number) => new Date(Date.UTC(2027, 0, 4, 9, minute)).toISOString();

/** What the record folds to after the lifecycle above: revision n occurred at minute n. */
const lifecycleRecord = {
  evidence: [
    {
      title: 'Staffing order',
      uri: 'https://e.org/o.pdf',
      reportedWith: 'progress',
      percent: 60,
      revision: 5,
      reportedAt: at(5),
    },
    {
      title: 'Report',
      uri: 'https://e.org/r',
      reportedWith: 'completion',
      percent: null,
      revision: 6,
      reportedAt: at(6),
    },
    {
      title: 'Photos',
      uri: 'https://e.org/p',
      reportedWith: 'completion',
      percent: null,
      revision: 6,
      reportedAt: at(6),
    },
  ],
  lastProgressReport: { percent: 60, narrative: 'Staffed', revision: 5, reportedAt: at(5) },
  completion: { summary: 'Operational', revision: 6, completedAt: at(6) },
  evaluation: {
    outcome: 'achieved',
    notes: null,
    sessionId: SESSION,
    decisionId: `${SESSION}:i2`,
    revision: 7,
    evaluatedAt: at(7),
  },
  review: {
    decision: 'approved',
    note: 'MA: Agreed',
    sessionId: SESSION,
    decisionId: `${SESSION}:i1`,
    revision: 2,
    decidedAt: at(2),
  },
};

/** As the stream of `events` would record them. */
const recorded = (commitmentId: string, events: NewEvent[]): RecordedEvent[] =>
  events.map((event, revision) => ({
    streamId: commitmentStreamId(commitmentId),
    revision,
    position: revision + 1,
    id: event.id,
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: event.metadata ?? {},
    recordedAt: at(revision),
  }));

describe('the commitment record: what the events say beside the state', () => {
  const fold = (events: RecordedEvent[]) => events.reduce(evolveCommitmentRecord, initialCommitmentRecord);

  it('keeps every piece of evidence in order, the last progress report, the completion, the evaluation and the review', () => {
    const id = randomUUID();
    expect(fold(recorded(id, lifecycle(id)))).toEqual(lifecycleRecord);
  });

  it('forgets the completion and the evaluation on a reopening, and keeps the evidence and the review', () => {
    const id = randomUUID();
    const events = recorded(id, lifecycle(id));
    const reopened: RecordedEvent = {
      ...events[7],
      revision: 8,
      type: 'CommitmentReopened',
      data: { commitmentId: id, sessionId: SESSION, decisionId: `${SESSION}:i3`, reason: 'Second half' },
    };
    expect(fold([...events, reopened])).toEqual({ ...lifecycleRecord, completion: null, evaluation: null });
  });

  it('records a rejection with its reason and a request for changes with the changes, null traces when none', () => {
    const id = randomUUID();
    const [proposed, placed] = recorded(id, lifecycle(id));
    const decision = (type: string, data: object): RecordedEvent => ({
      ...placed,
      revision: 2,
      type,
      data: { commitmentId: id, ...data },
    });
    expect(
      fold([proposed, placed, decision('CommitmentChangesRequested', { requestedChanges: 'Name the contacts' })])
        .review,
    ).toEqual({
      decision: 'changes_requested',
      note: 'Name the contacts',
      sessionId: null,
      decisionId: null,
      revision: 2,
      decidedAt: at(1),
    });
    expect(fold([proposed, placed, decision('CommitmentRejected', { reason: 'Out of scope' })]).review).toMatchObject({
      decision: 'rejected',
      note: 'Out of scope',
    });
  });
});

describe('the commitments read model on SQLite', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: SqliteDb;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-commitments-rm-'));
    store = await SqliteEventStore.open(join(dir, 'accord.db'));
    db = new SqliteDb(join(dir, 'accord.db'));
  });
  afterEach(async () => {
    await db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const viewOf = async (runner: ProjectionRunner, id: string) => {
    const tables = await runner.tables('commitments');
    const [row] = await db.query<CommitmentRow>(`SELECT * FROM "${tables.commitments}" WHERE id = ?`, [id]);
    return toCommitmentView(row);
  };

  it('serves the record with the state, live', async () => {
    const id = randomUUID();
    const head = (await store.append(commitmentStreamId(id), lifecycle(id))).position;
    const runner = new ProjectionRunner(store, db, [commitmentsProjection]);
    await runner.start();
    expect(await runner.waitFor('commitments', head, 20_000)).toBe(true);
    expect(await viewOf(runner, id)).toMatchObject({ id, status: 'evaluated', progress: 60, ...lifecycleRecord });
    await runner.stop();
  });

  /** Version 1 as it was: the same state, none of the record's columns. */
  const version1: Projection = {
    ...commitmentsProjection,
    version: 1,
    tables: commitmentsProjection.tables.map((table) => ({
      ...table,
      columns: Object.fromEntries(
        Object.entries(table.columns).filter(
          ([column]) => !['evidence', 'last_progress', 'completion', 'evaluation', 'review'].includes(column),
        ),
      ),
    })),
    apply(event, rows) {
      commitmentsProjection.apply(event, {
        get: (table, key) => rows.get(table, key),
        put: (table, row) => {
          const { evidence: _e, last_progress: _l, completion: _c, evaluation: _v, review: _r, ...v1 } = row;
          rows.put(table, v1);
        },
      });
    },
  };

  it('rebuilds a store of version 1 into version 2 at start, serving version 1 meanwhile, then the record', async () => {
    const ids = Array.from({ length: 30 }, () => randomUUID());
    let head = 0;
    for (const id of ids) head = (await store.append(commitmentStreamId(id), lifecycle(id))).position;
    const old = new ProjectionRunner(store, db, [version1]);
    await old.start();
    expect(await old.waitFor('commitments', head, 20_000)).toBe(true);
    await old.stop();
    expect(Object.values(await old.tables('commitments'))).toEqual(['commitments_v1_g1']);
    // A version 1 row, as queries read it while version 2 is built: its state, and an empty record, not an error.
    expect(await viewOf(old, ids[0])).toMatchObject({ status: 'evaluated', progress: 60, ...initialCommitmentRecord });

    let swapped!: () => void;
    const swap = new Promise<void>((resolve) => (swapped = resolve));
    const runner = new ProjectionRunner(store, db, [commitmentsProjection], { batchSize: 50, onSwap: () => swapped() });
    await runner.start();
    await swap;
    expect(Object.values(await runner.tables('commitments'))).toEqual(['commitments_v2_g2']);
    for (const id of ids) {
      expect(await viewOf(runner, id)).toMatchObject({ id, status: 'evaluated', ...lifecycleRecord });
    }
    await runner.stop();
  });
});
