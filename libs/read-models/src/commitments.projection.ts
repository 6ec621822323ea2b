import {
  commitmentIdOf,
  evolveCommitment,
  initialCommitmentState,
  type Commitment,
  type CommitmentEvent,
} from '@accord/commitments';
import { recordedAs, type RecordedEvent } from '@accord/event-store';
import { jsonColumn, type Projection, type Row, type Tables } from '@accord/projection-runner';
import { quote, type SqlRunner } from '@accord/sql';

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
  revision: number;
  position: number;
  created_at: string;
  updated_at: string;
  state: string;
}

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
    revision: event.revision,
    position: event.position,
    created_at: createdAt || at,
    updated_at: at,
    state: after,
  };
}

/**
 * The current state of every commitment, folded with the domain's own `evolve`, so the
 * read side can never disagree with the decider about what a state is.
 */
export const commitmentsProjection: Projection = {
  name: 'commitments',
  version: 1,
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
    rows.put('commitments', commitmentRow(after, event, row ? String(row.created_at) : ''));
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
