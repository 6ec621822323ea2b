import {
  commitmentIdOf,
  evolveCommitment,
  initialCommitmentState,
  type Commitment,
  type CommitmentEvent,
  type EvaluationOutcome,
} from '@accord/commitments';
import { recordedAs, type RecordedEvent } from '@accord/event-store';
import { jsonColumn, type Projection, type Row, type Rows, type Tables } from '@accord/projection-runner';
import { quote, type SqlRunner } from '@accord/sql';

/** A piece of evidence as the proposing party reported it, with a progress report or with the completion. */
export interface EvidenceReport {
  title: string;
  uri: string;
  reportedWith: 'progress' | 'completion';
  /** The percent of the progress report it came with; null when it came with the completion. */
  percent: number | null;
  /** The revision of the event that reported it. */
  revision: number;
  reportedAt: string;
}

/** The latest progress report. */
export interface ProgressReport {
  percent: number;
  narrative: string;
  revision: number;
  reportedAt: string;
}

/** The party's declaration that the commitment is complete (its evidence is in `evidence`). */
export interface Completion {
  summary: string;
  revision: number;
  completedAt: string;
}

/** The mixed committee's evaluation of a completed commitment. */
export interface Evaluation {
  outcome: EvaluationOutcome;
  notes: string | null;
  /** The session whose decision it carries, and that decision; null when the command carried none. */
  sessionId: string | null;
  decisionId: string | null;
  revision: number;
  evaluatedAt: string;
}

export type ReviewOutcome = 'approved' | 'rejected' | 'changes_requested';
export const reviewOutcomes: readonly ReviewOutcome[] = ['approved', 'rejected', 'changes_requested'];

/** The mixed committee's latest decision on the proposal. */
export interface ReviewDecision {
  decision: ReviewOutcome;
  /** The approval's note, the rejection's reason or the changes requested. */
  note: string | null;
  sessionId: string | null;
  decisionId: string | null;
  revision: number;
  decidedAt: string;
}

/**
 * What a commitment's events record beside its state, which the decider does not keep because
 * no rule needs it: the evidence, the progress narrative, the completion, the evaluation, the
 * review. Folded from the events here, for the read model and for time travel alike.
 */
export interface CommitmentRecord {
  /** Every piece of evidence reported, in the order reported; a reopening keeps them. */
  evidence: readonly EvidenceReport[];
  lastProgressReport: ProgressReport | null;
  /** Cleared by a reopening, as the evaluation is: the commitment is in progress again. */
  completion: Completion | null;
  evaluation: Evaluation | null;
  review: ReviewDecision | null;
}

export const initialCommitmentRecord: CommitmentRecord = {
  evidence: [],
  lastProgressReport: null,
  completion: null,
  evaluation: null,
  review: null,
};

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** The evidence after more is reported: a new array (the record is a value), unless the caller owns it. */
type AppendEvidence = (
  evidence: readonly EvidenceReport[],
  more: readonly EvidenceReport[],
) => readonly EvidenceReport[];

const appendCopy: AppendEvidence = (evidence, more) => [...evidence, ...more];

/** The record after `event` (a commitment event; any other leaves it as it is). */
export function evolveCommitmentRecord(record: CommitmentRecord, recorded: RecordedEvent): CommitmentRecord {
  return evolveRecordWith(record, recorded, appendCopy);
}

/**
 * `evolveCommitmentRecord`, the evidence list made longer by `append`: a copy each time
 * makes a stream's fold quadratic in its evidence, so the projection appends in place to
 * the list its batch owns.
 */
function evolveRecordWith(record: CommitmentRecord, recorded: RecordedEvent, append: AppendEvidence): CommitmentRecord {
  const event = recordedAs<CommitmentEvent>(recorded);
  const at = occurredAt(recorded);
  const revision = recorded.revision;
  const evidenceOf = (reportedWith: EvidenceReport['reportedWith'], percent: number | null) =>
    ((event.data as { evidence?: readonly { title: string; uri: string }[] }).evidence ?? []).map(
      ({ title, uri }): EvidenceReport => ({ title, uri, reportedWith, percent, revision, reportedAt: at }),
    );
  const review = (decision: ReviewOutcome, note: string | null | undefined): CommitmentRecord => {
    const { sessionId, decisionId } = event.data as { sessionId?: string | null; decisionId?: string | null };
    return {
      ...record,
      review: {
        decision,
        note: orNull(note),
        sessionId: orNull(sessionId),
        decisionId: orNull(decisionId),
        revision,
        decidedAt: at,
      },
    };
  };
  switch (event.type) {
    case 'ProgressReported': {
      const { percent, narrative } = event.data;
      const evidence = evidenceOf('progress', percent);
      return {
        ...record,
        evidence: evidence.length > 0 ? append(record.evidence, evidence) : record.evidence,
        lastProgressReport: { percent, narrative, revision, reportedAt: at },
      };
    }
    case 'CommitmentCompleted':
      return {
        ...record,
        evidence: append(record.evidence, evidenceOf('completion', null)),
        completion: { summary: event.data.summary, revision, completedAt: at },
      };
    case 'CommitmentEvaluated':
      return {
        ...record,
        evaluation: {
          outcome: event.data.outcome,
          notes: orNull(event.data.notes),
          sessionId: orNull(event.data.sessionId),
          decisionId: orNull(event.data.decisionId),
          revision,
          evaluatedAt: at,
        },
      };
    case 'CommitmentReopened':
      return { ...record, completion: null, evaluation: null };
    case 'CommitmentApproved':
      return review('approved', event.data.note);
    case 'CommitmentRejected':
      return review('rejected', event.data.reason);
    case 'CommitmentChangesRequested':
      return review('changes_requested', event.data.requestedChanges);
    default:
      return record;
  }
}

/** A commitment as `GET /commitments` serves it. */
export interface CommitmentView {
  id: string;
  agreementId: string;
  title: string;
  description: string;
  domain: string;
  proposingParty: string;
  leadAgencies: string[];
  status: string;
  overdue: boolean;
  dueDate: string | null;
  priority: string;
  progress: number;
  evidence: readonly EvidenceReport[];
  lastProgressReport: ProgressReport | null;
  completion: Completion | null;
  evaluation: Evaluation | null;
  review: ReviewDecision | null;
  revision: number;
  position: number;
  createdAt: string;
  updatedAt: string;
}

export interface CommitmentRow {
  id: string;
  agreement_id: string;
  title: string;
  description: string;
  domain: string;
  proposing_party: string;
  lead_agencies: string;
  status: string;
  overdue: number;
  overdue_for: string | null;
  due_date: string | null;
  priority: string;
  progress: number;
  /** JSON, as the columns of version 2 hold them; absent from a version 1 table. */
  evidence?: string;
  last_progress?: string | null;
  completion?: string | null;
  evaluation?: string | null;
  review?: string | null;
  revision: number;
  position: number;
  created_at: string;
  updated_at: string;
  state: string;
}

/**
 * A JSON column's value; `otherwise` when the column is null, or absent: a version 1 table,
 * which is served while version 2 is built.
 */
const parsed = <T>(value: unknown, otherwise: T): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value == null ? otherwise : (value as T);

/** The record a row holds (parsed as loaded, or as put). */
export const recordOfRow = (row: Row | CommitmentRow | undefined): CommitmentRecord => {
  if (!row) return initialCommitmentRecord;
  const r = row as Record<string, unknown>;
  return {
    evidence: parsed(r.evidence, initialCommitmentRecord.evidence),
    lastProgressReport: parsed(r.last_progress, null),
    completion: parsed(r.completion, null),
    evaluation: parsed(r.evaluation, null),
    review: parsed(r.review, null),
  };
};

export const toCommitmentView = (row: CommitmentRow): CommitmentView => ({
  id: row.id,
  agreementId: row.agreement_id,
  title: row.title,
  description: row.description,
  domain: row.domain,
  proposingParty: row.proposing_party,
  leadAgencies: JSON.parse(row.lead_agencies),
  status: row.status,
  overdue: Number(row.overdue) === 1,
  dueDate: row.due_date,
  priority: row.priority,
  progress: Number(row.progress),
  ...recordOfRow(row),
  revision: Number(row.revision),
  position: Number(row.position),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** When the event happened: the command's instant, else the store's. */
export const occurredAt = (event: RecordedEvent): string =>
  typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt;

/** The commitment an event belongs to, when it is on a commitment's stream. */
export const commitmentOfEvent = (event: RecordedEvent): string | undefined => commitmentIdOf(event.streamId);

/** The row a commitment state makes, as of `event`. */
export function commitmentRow(
  after: Commitment & { status: Exclude<Commitment['status'], 'none'> },
  record: CommitmentRecord,
  event: RecordedEvent,
  createdAt: string,
): Row {
  const at = occurredAt(event);
  return {
    id: after.commitmentId,
    agreement_id: after.agreementId,
    title: after.title,
    description: after.description,
    domain: after.domain,
    proposing_party: after.owner,
    lead_agencies: JSON.stringify(after.leadAgencies),
    status: after.status,
    overdue: after.overdueFor !== null ? 1 : 0,
    overdue_for: after.overdueFor,
    due_date: after.dueDate,
    priority: after.priority,
    progress: after.progress,
    evidence: record.evidence,
    last_progress: record.lastProgressReport,
    completion: record.completion,
    evaluation: record.evaluation,
    review: record.review,
    revision: event.revision,
    position: event.position,
    created_at: createdAt || at,
    updated_at: at,
    state: after,
  };
}

/** The evidence lists each batch's rows (a `Rows` lives for one batch) copied, and appends to in place. */
const ownEvidence = new WeakMap<Rows, { owned: WeakSet<readonly EvidenceReport[]>; append: AppendEvidence }>();

/**
 * Appends to a list this batch copied (only its last row, which holds it, is written); any
 * other list (from the cache, the database or a batch before) is copied once, as the batch
 * may fail and be applied again from the rows as they were.
 */
function appenderOf(rows: Rows): AppendEvidence {
  let own = ownEvidence.get(rows);
  if (!own) {
    const owned = new WeakSet<readonly EvidenceReport[]>();
    const append: AppendEvidence = (evidence, more) => {
      if (owned.has(evidence)) {
        (evidence as EvidenceReport[]).push(...more);
        return evidence;
      }
      const copy = [...evidence, ...more];
      owned.add(copy);
      return copy;
    };
    ownEvidence.set(rows, (own = { owned, append }));
  }
  return own.append;
}

/**
 * The current state of every commitment, folded with the domain's own `evolve`, so the
 * read side can never disagree with the decider about what a state is, and its record
 * (evidence, completion, evaluation, review) folded with `evolveCommitmentRecord`.
 * Version 2 added the record's columns: a store of version 1 is rebuilt into them at start
 * (decision 0007), while version 1 serves (decision 0022).
 */
export const commitmentsProjection: Projection = {
  name: 'commitments',
  version: 2,
  tables: [
    {
      name: 'commitments',
      key: ['id'],
      columns: {
        id: 'text',
        agreement_id: 'text',
        title: 'text',
        description: 'text',
        domain: 'text',
        proposing_party: 'text',
        lead_agencies: 'text',
        status: 'text',
        overdue: 'integer',
        overdue_for: 'text',
        due_date: 'text',
        priority: 'text',
        progress: 'real',
        evidence: 'text',
        last_progress: 'text',
        completion: 'text',
        evaluation: 'text',
        review: 'text',
        revision: 'bigint',
        position: 'bigint',
        created_at: 'text',
        updated_at: 'text',
        state: 'text',
      },
      indexes: [
        ['agreement_id', 'status'],
        ['status', 'due_date'],
        ['created_at', 'id'],
      ],
    },
  ],
  reads(event) {
    const id = commitmentOfEvent(event);
    return id ? [['commitments', id]] : [];
  },
  apply(event, rows) {
    const id = commitmentOfEvent(event);
    if (!id) return;
    const row = rows.get('commitments', id);
    const before = jsonColumn<Commitment>(row, 'state', initialCommitmentState);
    const after = evolveCommitment(before, recordedAs<CommitmentEvent>(event));
    if (after.status === 'none') return;
    const record = evolveRecordWith(recordOfRow(row), event, appenderOf(rows));
    rows.put('commitments', commitmentRow(after, record, event, row ? String(row.created_at) : ''));
  },
};

export interface PastDue {
  id: string;
  due_date: string;
}

/** Approved or in-progress commitments whose due date is before `today` and not yet flagged for it. */
export function findPastDue(db: SqlRunner, t: Tables, today: string): Promise<PastDue[]> {
  return db.query<PastDue>(
    `SELECT id, due_date FROM ${quote(t.commitments)}
     WHERE status IN ('approved', 'in_progress') AND due_date IS NOT NULL AND due_date < ?
       AND (overdue_for IS NULL OR overdue_for <> due_date)
     ORDER BY due_date, id`,
    [today],
  );
}
