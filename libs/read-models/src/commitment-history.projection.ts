import { evolveCommitment, initialCommitmentState, type Commitment, type CommitmentEvent } from '@accord/commitments';
import { recordedAs, type RecordedEvent } from '@accord/event-store';
import { commitmentOfEvent, occurredAt } from './commitments.projection';
import { jsonColumn, type Projection } from '@accord/projection-runner';

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
    // Most fields are untouched, hence the same value: compare JSON only when they differ.
    if (from !== to && JSON.stringify(from) !== JSON.stringify(to)) changes[field] = { from, to };
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
export const commitmentHistoryProjection: Projection = {
  name: 'commitment-history',
  version: 1,
  tables: [
    {
      name: 'commitment_history',
      key: ['commitment_id', 'revision'],
      columns: {
        commitment_id: 'text',
        revision: 'bigint',
        position: 'bigint',
        type: 'text',
        actor: 'text',
        occurred_at: 'text',
        summary: 'text',
        changes: 'text',
      },
    },
    { name: 'commitment_history_state', key: ['id'], columns: { id: 'text', state: 'text' } },
  ],
  reads(event) {
    const id = commitmentOfEvent(event);
    return id ? [['commitment_history_state', id]] : [];
  },
  apply(event, rows) {
    const id = commitmentOfEvent(event);
    if (!id) return;
    const row = rows.get('commitment_history_state', id);
    const before = jsonColumn<Commitment>(row, 'state', initialCommitmentState);
    const after = evolveCommitment(before, recordedAs<CommitmentEvent>(event));
    rows.put('commitment_history_state', { id, state: after });
    const actor = event.metadata.actor as { id?: string; role?: string; party?: string } | undefined;
    rows.put('commitment_history', {
      commitment_id: id,
      revision: event.revision,
      position: event.position,
      type: event.type,
      actor: actor
        ? JSON.stringify({ id: actor.id ?? null, role: actor.role ?? null, party: actor.party ?? null })
        : null,
      occurred_at: occurredAt(event),
      summary: summarize(event, after),
      changes: JSON.stringify(changesBetween(before, after)),
    });
  },
};
