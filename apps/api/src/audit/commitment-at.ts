import { eventInstant, eventTime, readStreamPages } from '@accord/audit';
import {
  commitmentStreamId,
  evolveCommitment,
  initialCommitmentState,
  type Commitment,
  type CommitmentEvent,
} from '@accord/commitments';
import { recordedAs, type EventStore } from '@accord/event-store';
import {
  evolveCommitmentRecord,
  initialCommitmentRecord,
  SNAPSHOT_EVERY,
  toCommitmentView,
  type CommitmentRecord,
  type CommitmentRow,
  type CommitmentView,
} from '@accord/read-models';
import { ProblemException } from '../http/problem';
import { inSlices, SLICE_PAGE } from './slices';
import type { StartingPoint } from './time-travel';

export interface CommitmentStateView extends CommitmentView {
  /** The last revision folded: the state is the one the commitment had right after it. */
  asOfRevision: number;
}

/** Where to stop: at a revision (inclusive), before the first event after an instant, or at the head. */
export type Cutoff = { readonly revision: number } | { readonly asOf: string; readonly asOfMs: number } | undefined;

/**
 * A commitment as it stood at a revision or an instant: its stream folded with the
 * decider's own evolve and the read model's record fold (evidence, completion, evaluation,
 * review), then mapped as the commitments read model maps a row (commitments.projection.ts:
 * createdAt is the first event's time, updatedAt the last's).
 * A long stream is read in slices (slices.ts), so other requests are answered meanwhile.
 * With `start`, a snapshot of the time-travel read model (time-travel.ts), the fold starts
 * after the snapshot's revision with its state: the same answer, from fewer events.
 */
export async function commitmentAt(
  store: EventStore,
  id: string,
  cutoff: Cutoff,
  start?: StartingPoint,
): Promise<CommitmentStateView> {
  const streamId = commitmentStreamId(id);
  let state: Commitment = start?.snapshot.state ?? initialCommitmentState;
  let record: CommitmentRecord = start?.snapshot.record ?? initialCommitmentRecord;
  let createdAt = start?.snapshot.createdAt ?? '';
  let updatedAt = start?.snapshot.updatedAt ?? '';
  let last: { revision: number; position: number } | undefined = start;
  let seen = start !== undefined;
  let lastRevision = start?.revision ?? -1;
  const fromRevision = start ? start.revision + 1 : 0;
  // The first page holds what the fold can use: up to the revision asked for and one more (to
  // see the cutoff), or, from a snapshot, the SNAPSHOT_EVERY events before the next one, past
  // which an instant's cutoff falls unless the read model is behind (then it pages on).
  const firstPageSize =
    cutoff && 'revision' in cutoff
      ? cutoff.revision - fromRevision + 2
      : start && cutoff
        ? SNAPSHOT_EVERY + 1
        : SLICE_PAGE;
  reading: for await (const page of inSlices(
    readStreamPages(store, streamId, {
      fromRevision,
      pageSize: SLICE_PAGE,
      firstPageSize: Math.min(SLICE_PAGE, firstPageSize),
    }),
  )) {
    seen = true;
    for (const event of page) {
      lastRevision = event.revision;
      if (cutoff && 'revision' in cutoff && event.revision > cutoff.revision) break reading;
      if (cutoff && 'asOf' in cutoff && eventInstant(event) > cutoff.asOfMs) break reading;
      const next = evolveCommitment(state, recordedAs<CommitmentEvent>(event));
      if (next.status === 'none') continue;
      if (state.status === 'none') createdAt = eventTime(event);
      state = next;
      record = evolveCommitmentRecord(record, event);
      last = event;
      updatedAt = eventTime(event);
    }
  }
  if (!seen) throw new ProblemException(404, 'NOT_FOUND', `commitment ${id} does not exist`);
  if (cutoff && 'revision' in cutoff && cutoff.revision > lastRevision) {
    throw new ProblemException(
      404,
      'NOT_FOUND',
      `commitment ${id} has no revision ${cutoff.revision}: its last revision is ${lastRevision}`,
      { lastRevision },
    );
  }
  if (!last || state.status === 'none') {
    throw new ProblemException(404, 'NOT_FOUND', `commitment ${id} did not exist yet at ${describe(cutoff)}`);
  }
  const row: CommitmentRow = {
    id: state.commitmentId,
    agreement_id: state.agreementId,
    title: state.title,
    description: state.description,
    domain: state.domain,
    proposing_party: state.owner,
    lead_agencies: JSON.stringify(state.leadAgencies),
    status: state.status,
    overdue: state.overdueFor !== null ? 1 : 0,
    overdue_for: state.overdueFor,
    due_date: state.dueDate,
    priority: state.priority,
    progress: state.progress,
    // The record goes to the view as it is (toCommitmentView's recordOfRow takes a JSON
    // column's value as put, as the read model does): no round trip through text, which on a
    // long stream is megabytes of evidence.
    evidence: record.evidence as unknown as string,
    last_progress: record.lastProgressReport as unknown as string,
    completion: record.completion as unknown as string,
    evaluation: record.evaluation as unknown as string,
    review: record.review as unknown as string,
    revision: last.revision,
    position: last.position,
    created_at: createdAt,
    updated_at: updatedAt,
    state: '',
  };
  return { ...toCommitmentView(row), asOfRevision: last.revision };
}

function describe(cutoff: Cutoff): string {
  if (!cutoff) return 'the head';
  return 'revision' in cutoff ? `revision ${cutoff.revision}` : cutoff.asOf;
}
