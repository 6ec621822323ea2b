import type { DomainEvent } from './event.types';
import type { CommitmentStatus, EvaluationOutcome, Evidence, Priority, SuspendableStatus } from './commitment.state';

/** A committee decision's traceability; null when the command carried none. */
export interface DecisionTrace {
  readonly sessionId: string | null;
  readonly decisionId: string | null;
}

interface OfCommitment {
  readonly commitmentId: string;
}

export interface Proposal {
  readonly agreementId: string;
  readonly title: string;
  readonly description: string;
  readonly domain: string;
  readonly leadAgencies: readonly string[];
  readonly dueDate: string | null;
  readonly priority: Priority;
}

/** The fields a revision changed, and only those. */
export type ProposalChanges = Partial<Omit<Proposal, 'agreementId'>>;

export type CommitmentProposed = DomainEvent<
  'CommitmentProposed',
  OfCommitment & Proposal & { readonly proposingParty: string }
>;
/** From changes_requested the commitment goes back to proposed. */
export type CommitmentRevised = DomainEvent<'CommitmentRevised', OfCommitment & { readonly changes: ProposalChanges }>;
export type CommitmentWithdrawn = DomainEvent<'CommitmentWithdrawn', OfCommitment & { readonly reason: string }>;
export type CommitmentPlacedOnAgenda = DomainEvent<
  'CommitmentPlacedOnAgenda',
  OfCommitment & { readonly sessionId: string; readonly itemId: string }
>;
export type CommitmentApproved = DomainEvent<
  'CommitmentApproved',
  OfCommitment & DecisionTrace & { readonly note: string | null }
>;
export type CommitmentRejected = DomainEvent<
  'CommitmentRejected',
  OfCommitment & DecisionTrace & { readonly reason: string }
>;
export type CommitmentChangesRequested = DomainEvent<
  'CommitmentChangesRequested',
  OfCommitment & DecisionTrace & { readonly requestedChanges: string }
>;
/** `from` under_review: back to proposed; any other `from`: the state does not change. */
export type CommitmentDeferred = DomainEvent<
  'CommitmentDeferred',
  OfCommitment & DecisionTrace & { readonly from: CommitmentStatus; readonly reason: string | null }
>;
export type CommitmentStarted = DomainEvent<'CommitmentStarted', OfCommitment>;
export type ProgressReported = DomainEvent<
  'ProgressReported',
  OfCommitment & { readonly percent: number; readonly narrative: string; readonly evidence: readonly Evidence[] }
>;
export type CommitmentCompleted = DomainEvent<
  'CommitmentCompleted',
  OfCommitment & { readonly summary: string; readonly evidence: readonly Evidence[] }
>;
export type CommitmentEvaluated = DomainEvent<
  'CommitmentEvaluated',
  OfCommitment & DecisionTrace & { readonly outcome: EvaluationOutcome; readonly notes: string | null }
>;
/** Clears the overdue flag. */
export type DueDateExtended = DomainEvent<
  'DueDateExtended',
  OfCommitment &
    DecisionTrace & {
      readonly previousDueDate: string | null;
      readonly dueDate: string;
      readonly reason: string | null;
    }
>;
export type CommitmentSuspended = DomainEvent<
  'CommitmentSuspended',
  OfCommitment & DecisionTrace & { readonly from: SuspendableStatus; readonly reason: string }
>;
export type CommitmentResumed = DomainEvent<
  'CommitmentResumed',
  OfCommitment & DecisionTrace & { readonly to: SuspendableStatus; readonly reason: string | null }
>;
export type CommitmentReopened = DomainEvent<
  'CommitmentReopened',
  OfCommitment & DecisionTrace & { readonly reason: string }
>;
/** Once per due date. */
export type CommitmentBecameOverdue = DomainEvent<
  'CommitmentBecameOverdue',
  OfCommitment & { readonly dueDate: string }
>;
export type CommitmentClosed = DomainEvent<'CommitmentClosed', OfCommitment & { readonly note: string | null }>;

export type CommitmentEvent =
  | CommitmentProposed
  | CommitmentRevised
  | CommitmentWithdrawn
  | CommitmentPlacedOnAgenda
  | CommitmentApproved
  | CommitmentRejected
  | CommitmentChangesRequested
  | CommitmentDeferred
  | CommitmentStarted
  | ProgressReported
  | CommitmentCompleted
  | CommitmentEvaluated
  | DueDateExtended
  | CommitmentSuspended
  | CommitmentResumed
  | CommitmentReopened
  | CommitmentBecameOverdue
  | CommitmentClosed;

export type CommitmentEventType = CommitmentEvent['type'];

const types: Record<CommitmentEventType, true> = {
  CommitmentProposed: true,
  CommitmentRevised: true,
  CommitmentWithdrawn: true,
  CommitmentPlacedOnAgenda: true,
  CommitmentApproved: true,
  CommitmentRejected: true,
  CommitmentChangesRequested: true,
  CommitmentDeferred: true,
  CommitmentStarted: true,
  ProgressReported: true,
  CommitmentCompleted: true,
  CommitmentEvaluated: true,
  DueDateExtended: true,
  CommitmentSuspended: true,
  CommitmentResumed: true,
  CommitmentReopened: true,
  CommitmentBecameOverdue: true,
  CommitmentClosed: true,
};
export const commitmentEventTypes = Object.keys(types) as CommitmentEventType[];

/** Narrows a recorded event (whose `type` is a plain string) to a commitment event. */
export function isCommitmentEvent(event: { readonly type: string }): event is CommitmentEvent {
  return Object.prototype.hasOwnProperty.call(types, event.type);
}
