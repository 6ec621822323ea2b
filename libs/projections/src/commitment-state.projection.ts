import { evolveCommitment, initialCommitmentState, type Commitment, type CommitmentEvent } from '@accord/commitments';
import type { RecordedEvent } from '@accord/event-store';
import type Database from 'better-sqlite3';
import type { SqliteProjection } from './sqlite-projection';

export interface CommitmentStateRow {
  commitment_id: string;
  agreement_id: string;
  status: string;
  due_date: string | null;
  overdue_for: string | null;
  owner: string;
  revision: number;
  position: number;
}

/**
 * The current state of every commitment, folded with the domain's own `evolve` so that
 * the read side can never disagree with the decider on what a state is.
 */
export const commitmentStateProjection: SqliteProjection = {
  name: 'commitment-state',
  version: 1,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS commitment_state (
      commitment_id TEXT PRIMARY KEY,
      agreement_id TEXT NOT NULL,
      status TEXT NOT NULL,
      due_date TEXT,
      overdue_for TEXT,
      owner TEXT NOT NULL,
      state TEXT NOT NULL,
      revision INTEGER NOT NULL,
      position INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS commitment_state_due ON commitment_state (status, due_date);`);
  },
  apply(db, event: RecordedEvent) {
    if (!event.streamId.startsWith('commitment-')) return;
    const id = event.streamId.slice('commitment-'.length);
    const row = db.prepare('SELECT state FROM commitment_state WHERE commitment_id = ?').get(id) as
      { state: string } | undefined;
    const before: Commitment = row ? JSON.parse(row.state) : initialCommitmentState;
    const after = evolveCommitment(before, event as unknown as CommitmentEvent);
    if (after.status === 'none') return;
    db.prepare(
      `INSERT INTO commitment_state (commitment_id, agreement_id, status, due_date, overdue_for, owner, state, revision, position)
       VALUES (@id, @agreementId, @status, @dueDate, @overdueFor, @owner, @state, @revision, @position)
       ON CONFLICT (commitment_id) DO UPDATE SET status = excluded.status, due_date = excluded.due_date,
         overdue_for = excluded.overdue_for, state = excluded.state, revision = excluded.revision, position = excluded.position`,
    ).run({
      id,
      agreementId: after.agreementId,
      status: after.status,
      dueDate: after.dueDate,
      overdueFor: after.overdueFor,
      owner: after.owner,
      state: JSON.stringify(after),
      revision: event.revision,
      position: event.position,
    });
  },
};

/** Approved or in-progress commitments whose due date is before `today` and not yet flagged for it. */
export function findPastDue(db: Database.Database, today: string): CommitmentStateRow[] {
  return db
    .prepare(
      `SELECT commitment_id, agreement_id, status, due_date, overdue_for, owner, revision, position
       FROM commitment_state
       WHERE status IN ('approved', 'in_progress') AND due_date IS NOT NULL AND due_date < ?
         AND (overdue_for IS NULL OR overdue_for <> due_date)
       ORDER BY due_date, commitment_id`,
    )
    .all(today) as CommitmentStateRow[];
}
