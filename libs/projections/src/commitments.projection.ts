import { evolveCommitment, initialCommitmentState, type Commitment, type CommitmentEvent } from '@accord/commitments';
import type { RecordedEvent } from '@accord/event-store';
import type Database from 'better-sqlite3';
import { prepared, type SqliteProjection, type Tables } from './sqlite-projection';

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
  overdue: row.overdue === 1,
  dueDate: row.due_date,
  priority: row.priority,
  progress: row.progress,
  revision: row.revision,
  position: row.position,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** When the event happened: the command's instant, else the store's. */
export const occurredAt = (event: RecordedEvent): string =>
  typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt;

/**
 * The current state of every commitment, folded with the domain's own `evolve`, so the
 * read side can never disagree with the decider about what a state is.
 */
export const commitmentsProjection: SqliteProjection = {
  name: 'commitments',
  version: 1,
  tables: ['commitments'],
  setup(db, t) {
    const table = t.commitments;
    db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (
      id TEXT PRIMARY KEY,
      agreement_id TEXT NOT NULL,
      title TEXT NOT NULL,
      description TEXT NOT NULL,
      domain TEXT NOT NULL,
      proposing_party TEXT NOT NULL,
      lead_agencies TEXT NOT NULL,
      status TEXT NOT NULL,
      overdue INTEGER NOT NULL,
      overdue_for TEXT,
      due_date TEXT,
      priority TEXT NOT NULL,
      progress REAL NOT NULL,
      revision INTEGER NOT NULL,
      position INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      state TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS "${table}_agreement" ON "${table}" (agreement_id, status);
    CREATE INDEX IF NOT EXISTS "${table}_due" ON "${table}" (status, due_date);
    CREATE INDEX IF NOT EXISTS "${table}_created" ON "${table}" (created_at, id);`);
  },
  apply(db, event, t) {
    if (!event.streamId.startsWith('commitment-')) return;
    const id = event.streamId.slice('commitment-'.length);
    const row = prepared(db, `SELECT state, created_at FROM "${t.commitments}" WHERE id = ?`).get(id) as
      { state: string; created_at: string } | undefined;
    const before: Commitment = row ? JSON.parse(row.state) : initialCommitmentState;
    const after = evolveCommitment(before, event as unknown as CommitmentEvent);
    if (after.status === 'none') return;
    const at = occurredAt(event);
    prepared(
      db,
      `INSERT OR REPLACE INTO "${t.commitments}" (id, agreement_id, title, description, domain, proposing_party,
         lead_agencies, status, overdue, overdue_for, due_date, priority, progress, revision, position, created_at,
         updated_at, state)
       VALUES (@id, @agreementId, @title, @description, @domain, @owner, @leadAgencies, @status, @overdue, @overdueFor,
         @dueDate, @priority, @progress, @revision, @position, @createdAt, @updatedAt, @state)`,
    ).run({
      id,
      agreementId: after.agreementId,
      title: after.title,
      description: after.description,
      domain: after.domain,
      owner: after.owner,
      leadAgencies: JSON.stringify(after.leadAgencies),
      status: after.status,
      overdue: after.overdueFor !== null ? 1 : 0,
      overdueFor: after.overdueFor,
      dueDate: after.dueDate,
      priority: after.priority,
      progress: after.progress,
      revision: event.revision,
      position: event.position,
      createdAt: row?.created_at ?? at,
      updatedAt: at,
      state: JSON.stringify(after),
    });
  },
};

export interface PastDue {
  id: string;
  due_date: string;
}

/** Approved or in-progress commitments whose due date is before `today` and not yet flagged for it. */
export function findPastDue(db: Database.Database, t: Tables, today: string): PastDue[] {
  return db
    .prepare(
      `SELECT id, due_date FROM "${t.commitments}"
       WHERE status IN ('approved', 'in_progress') AND due_date IS NOT NULL AND due_date < ?
         AND (overdue_for IS NULL OR overdue_for <> due_date)
       ORDER BY due_date, id`,
    )
    .all(today) as PastDue[];
}
