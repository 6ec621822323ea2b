import {
  assertNever,
  withArticle,
  type ApproveCommitment,
  type CommitmentCommand,
  type DeferCommitment,
  type EvaluateCommitment,
  type EvaluationOutcome,
  type ExtendDueDate,
  type PlaceOnAgenda,
  type RejectCommitment,
  type ReopenCommitment,
  type RequestChanges,
  type ResumeCommitment,
  type SuspendCommitment,
} from '@accord/commitments';
import { isPositionFor } from './agenda-item.rules';
import type { AgendaItemAdded, DecisionReached, ItemDeferred, PartyNote } from './session.events';
import { decisionIdOf } from './session.events';

/** A commitment command without its context: the process manager adds the actor (system) and `now`. */
export type CommitmentCommandIntent<C extends CommitmentCommand = CommitmentCommand> = C extends CommitmentCommand
  ? { readonly type: C['type']; readonly data: C['data'] }
  : never;

export type DecisionCommand = CommitmentCommandIntent<
  | ApproveCommitment
  | RejectCommitment
  | RequestChanges
  | EvaluateCommitment
  | ExtendDueDate
  | SuspendCommitment
  | ResumeCommitment
  | ReopenCommitment
>;

/** A review item puts the commitment under review; other kinds leave its state as it is. */
export function agendaItemToCommitmentCommand(
  item: AgendaItemAdded['data'],
): CommitmentCommandIntent<PlaceOnAgenda> | null {
  if (item.kind !== 'review') return null;
  return {
    type: 'PlaceOnAgenda',
    data: { commitmentId: item.commitmentId, sessionId: item.sessionId, itemId: item.itemId },
  };
}

/**
 * The command that carries the committee's decision to the commitment; null when the decision
 * is a refusal (`deny`), which leaves the commitment as it is.
 */
export function decisionToCommitmentCommand(
  decision: DecisionReached['data'],
  sessionId: string = decision.sessionId,
): DecisionCommand | null {
  const { commitmentId, decisionId, outcome } = decision;
  const ref = { commitmentId, sessionId, decisionId };
  const notes = joined(decision.notes);
  const optional = <K extends string>(key: K) => (notes === null ? {} : ({ [key]: notes } as Record<K, string>));
  if (!isPositionFor(decision.kind, outcome)) {
    throw new Error(`Decision ${decisionId}: ${outcome} is no outcome of ${withArticle(`${decision.kind} item`)}`);
  }
  if (outcome === 'deny') return null;
  switch (decision.kind) {
    case 'review':
      if (outcome === 'approve') return { type: 'ApproveCommitment', data: { ...ref, ...optional('note') } };
      if (outcome === 'reject') {
        return { type: 'RejectCommitment', data: { ...ref, reason: notes ?? 'Rejected by the mixed committee' } };
      }
      return {
        type: 'RequestChanges',
        data: { ...ref, requestedChanges: notes ?? 'The mixed committee asks for the proposal to be revised' },
      };
    case 'evaluation':
      return {
        type: 'EvaluateCommitment',
        data: { ...ref, outcome: outcome as EvaluationOutcome, ...optional('notes') },
      };
    case 'extension':
      if (decision.proposedDueDate === null) throw new Error(`Decision ${decisionId}: an extension without a date`);
      return { type: 'ExtendDueDate', data: { ...ref, dueDate: decision.proposedDueDate, ...optional('reason') } };
    case 'suspension':
      return { type: 'SuspendCommitment', data: { ...ref, reason: notes ?? 'Suspended by the mixed committee' } };
    case 'resumption':
      return { type: 'ResumeCommitment', data: { ...ref, ...optional('reason') } };
    case 'reopening':
      return { type: 'ReopenCommitment', data: { ...ref, reason: notes ?? 'Reopened by the mixed committee' } };
    default:
      return assertNever(decision.kind);
  }
}

/**
 * A review item left undecided sends the commitment back from under review to proposed, ready
 * for another session; other kinds never changed the commitment's state, so there is nothing to undo.
 */
export function deferralToCommitmentCommand(
  deferral: ItemDeferred['data'],
  sessionId: string = deferral.sessionId,
): CommitmentCommandIntent<DeferCommitment> | null {
  if (deferral.kind !== 'review') return null;
  return {
    type: 'DeferCommitment',
    data: {
      commitmentId: deferral.commitmentId,
      sessionId,
      decisionId: decisionIdOf(sessionId, deferral.itemId),
      reason: `Not decided in session ${sessionId}; deferred to a later session`,
    },
  };
}

/** One line per party, in the agreement's order; null when no party left a note. */
function joined(notes: readonly PartyNote[]): string | null {
  return notes.length === 0 ? null : notes.map(({ party, note }) => `${party}: ${note}`).join('\n');
}
