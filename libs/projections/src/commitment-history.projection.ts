import { evolveCommitment, initialCommitmentState, type Commitment, type CommitmentEvent } from '@accord/commitments';
import type { RecordedEvent } from '@accord/event-store';
import { occurredAt } from './commitments.projection';
import { prepared, type SqliteProjection } from './sqlite-projection';

export interface HistoryEntry {
  revision: number;
  position: number;
  type: string;
  actor: { id: string; role: string; party: string | null } | null;
  occurredAt: string;
  summary: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}

const TRACKED = [
  'status',
  'title',
  'description',
  'domain',
  'leadAgencies',
  'dueDate',
  'priority',
  'progress',
  'outcome',
] as const;

/** The fields an event changed, from the states before and after it. */
export function changesBetween(before: Commitment, after: Commitment): HistoryEntry['changes'] {
  const changes: HistoryEntry['changes'] = {};
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  for (const field of TRACKED) {
    const from = before.status === 'none' ? null : (b[field] ?? null);
    const to = a[field] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[field] = { from, to };
  }
  const wasOverdue = before.status !== 'none' && before.overdueFor !== null;
  const isOverdue = after.status !== 'none' && after.overdueFor !== null;
  if (wasOverdue !== isOverdue) changes.overdue = { from: wasOverdue, to: isOverdue };
  return changes;
}

const partyOf = (event: RecordedEvent): string | null => {
  const actor = event.metadata.actor as { party?: string } | undefined;
  return actor?.party ?? null;
};

/** A sentence a person reads: who did what. */
export function summarize(event: RecordedEvent, after: Commitment): string {
  const d = event.data as Record<string, unknown>;
  const who = partyOf(event) ?? (after.status !== 'none' ? after.owner : 'A party');
  const committee = 'The mixed committee';
  switch (event.type) {
    case 'CommitmentProposed':
      return `${who} proposed "${String(d.title)}" in ${String(d.domain)}.`;
    case 'CommitmentRevised':
      return `${who} revised the proposal (${Object.keys((d.changes as object) ?? {}).join(', ')}).`;
    case 'CommitmentWithdrawn':
      return `${who} withdrew the commitment: ${String(d.reason)}`;
    case 'CommitmentPlacedOnAgenda':
      return `The secretariat put the commitment on a session's agenda for review.`;
    case 'CommitmentApproved':
      return `${committee} approved the commitment.`;
    case 'CommitmentRejected':
      return `${committee} rejected the commitment: ${String(d.reason)}`;
    case 'CommitmentChangesRequested':
      return `${committee} requested changes: ${String(d.requestedChanges)}`;
    case 'CommitmentDeferred':
      return `The session closed without a decision; the item was deferred to a later session.`;
    case 'CommitmentStarted':
      return `${who} started work on the commitment.`;
    case 'ProgressReported':
      return `${who} reported ${String(d.percent)}% progress: ${String(d.narrative)}`;
    case 'CommitmentCompleted':
      return `${who} declared the commitment completed: ${String(d.summary)}`;
    case 'CommitmentEvaluated':
      return `${committee} evaluated the commitment: ${String(d.outcome).replace(/_/g, ' ')}.`;
    case 'DueDateExtended':
      return `${committee} extended the due date from ${String(d.previousDueDate)} to ${String(d.dueDate)}.`;
    case 'CommitmentSuspended':
      return `${committee} suspended the commitment: ${String(d.reason)}`;
    case 'CommitmentResumed':
      return `${committee} resumed the commitment.`;
    case 'CommitmentReopened':
      return `${committee} reopened the commitment: ${String(d.reason)}`;
    case 'CommitmentBecameOverdue':
      return `The due date ${String(d.dueDate)} passed before completion: the commitment is overdue.`;
    case 'CommitmentClosed':
      return `The secretariat closed the commitment.`;
    default:
      return `${event.type}.`;
  }
}

/** The audit timeline of each commitment: one entry per event, who, when, what changed. */
export const commitmentHistoryProjection: SqliteProjection = {
  name: 'commitment-history',
  version: 1,
  tables: ['commitment_history', 'commitment_history_state'],
  setup(db, t) {
    db.exec(`CREATE TABLE IF NOT EXISTS "${t.commitment_history}" (
      commitment_id TEXT NOT NULL,
      revision INTEGER NOT NULL,
      position INTEGER NOT NULL,
      type TEXT NOT NULL,
      actor TEXT,
      occurred_at TEXT NOT NULL,
      summary TEXT NOT NULL,
      changes TEXT NOT NULL,
      PRIMARY KEY (commitment_id, revision)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS "${t.commitment_history_state}" (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;`);
  },
  apply(db, event, t) {
    if (!event.streamId.startsWith('commitment-')) return;
    const id = event.streamId.slice('commitment-'.length);
    const row = prepared(db, `SELECT state FROM "${t.commitment_history_state}" WHERE id = ?`).get(id) as
      { state: string } | undefined;
    const before: Commitment = row ? JSON.parse(row.state) : initialCommitmentState;
    const after = evolveCommitment(before, event as unknown as CommitmentEvent);
    prepared(db, `INSERT OR REPLACE INTO "${t.commitment_history_state}" (id, state) VALUES (?, ?)`).run(
      id,
      JSON.stringify(after),
    );
    const actor = event.metadata.actor as { id?: string; role?: string; party?: string } | undefined;
    prepared(
      db,
      `INSERT OR REPLACE INTO "${t.commitment_history}" (commitment_id, revision, position, type, actor, occurred_at, summary, changes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      event.revision,
      event.position,
      event.type,
      actor ? JSON.stringify({ id: actor.id ?? null, role: actor.role ?? null, party: actor.party ?? null }) : null,
      occurredAt(event),
      summarize(event, after),
      JSON.stringify(changesBetween(before, after)),
    );
  },
};
