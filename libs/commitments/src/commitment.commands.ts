import type { AgreementContext } from './agreement.context';
import type { Command } from './command.types';
import type { EvaluationOutcome, EvidenceReference, Priority } from './commitment.state';

/** Optional traceability of a committee decision back to its session. */
export interface DecisionReference {
  readonly sessionId?: string;
  readonly decisionId?: string;
}

export interface CommitmentRef {
  readonly commitmentId: string;
}

/** Sent by a party (integration or delegate with `party`); that party owns the commitment. */
export type ProposeCommitment = Command<
  'ProposeCommitment',
  CommitmentRef & {
    readonly agreementId: string;
    readonly title: string;
    readonly description: string;
    /** One of `agreement.domains`. */
    readonly domain: string;
    /** At least one, unique. */
    readonly leadAgencies: readonly string[];
    /** ISO date, not before the UTC date of `now`. */
    readonly dueDate?: string;
    /** Defaults to `normal`. */
    readonly priority?: Priority;
    /** The agreement as the handler read it. */
    readonly agreement: AgreementContext;
  }
>;

/** Any subset of the proposal; `dueDate: null` removes the due date. At least one field must change. */
export type ReviseCommitment = Command<
  'ReviseCommitment',
  CommitmentRef & {
    readonly title?: string;
    readonly description?: string;
    readonly domain?: string;
    readonly leadAgencies?: readonly string[];
    readonly dueDate?: string | null;
    readonly priority?: Priority;
    readonly agreement: AgreementContext;
  }
>;

export type WithdrawCommitment = Command<'WithdrawCommitment', CommitmentRef & { readonly reason: string }>;

export type PlaceOnAgenda = Command<
  'PlaceOnAgenda',
  CommitmentRef & { readonly sessionId: string; readonly itemId: string }
>;

export type ApproveCommitment = Command<
  'ApproveCommitment',
  CommitmentRef & DecisionReference & { readonly note?: string }
>;

export type RejectCommitment = Command<
  'RejectCommitment',
  CommitmentRef & DecisionReference & { readonly reason: string }
>;

export type RequestChanges = Command<
  'RequestChanges',
  CommitmentRef & DecisionReference & { readonly requestedChanges: string }
>;

/**
 * A session closed without deciding. Under review, the commitment goes back to proposed; an item
 * about a commitment in another state (evaluation, extension, suspension…) leaves the state as is.
 */
export type DeferCommitment = Command<
  'DeferCommitment',
  CommitmentRef & DecisionReference & { readonly reason?: string }
>;

export type StartCommitment = Command<'StartCommitment', CommitmentRef>;

export type ReportProgress = Command<
  'ReportProgress',
  CommitmentRef & {
    /** 0 to 100, never below the last report. */
    readonly percent: number;
    readonly narrative: string;
    readonly evidence?: readonly EvidenceReference[];
  }
>;

export type CompleteCommitment = Command<
  'CompleteCommitment',
  CommitmentRef & {
    readonly summary: string;
    /** At least one item. */
    readonly evidence: readonly EvidenceReference[];
  }
>;

export type EvaluateCommitment = Command<
  'EvaluateCommitment',
  CommitmentRef & DecisionReference & { readonly outcome: EvaluationOutcome; readonly notes?: string }
>;

export type ExtendDueDate = Command<
  'ExtendDueDate',
  CommitmentRef &
    DecisionReference & {
      /** Later than the current due date and not before the UTC date of `now`. */
      readonly dueDate: string;
      readonly reason?: string;
    }
>;

export type SuspendCommitment = Command<
  'SuspendCommitment',
  CommitmentRef & DecisionReference & { readonly reason: string }
>;

export type ResumeCommitment = Command<
  'ResumeCommitment',
  CommitmentRef & DecisionReference & { readonly reason?: string }
>;

export type ReopenCommitment = Command<
  'ReopenCommitment',
  CommitmentRef & DecisionReference & { readonly reason: string }
>;

/** Sent by the deadline watcher once `now`'s UTC date is past the due date. */
export type MarkOverdue = Command<'MarkOverdue', CommitmentRef>;

export type CloseCommitment = Command<'CloseCommitment', CommitmentRef & { readonly note?: string }>;

export type CommitmentCommand =
  | ProposeCommitment
  | ReviseCommitment
  | WithdrawCommitment
  | PlaceOnAgenda
  | ApproveCommitment
  | RejectCommitment
  | RequestChanges
  | DeferCommitment
  | StartCommitment
  | ReportProgress
  | CompleteCommitment
  | EvaluateCommitment
  | ExtendDueDate
  | SuspendCommitment
  | ResumeCommitment
  | ReopenCommitment
  | MarkOverdue
  | CloseCommitment;

export type CommitmentCommandType = CommitmentCommand['type'];

const types: Record<CommitmentCommandType, true> = {
  ProposeCommitment: true,
  ReviseCommitment: true,
  WithdrawCommitment: true,
  PlaceOnAgenda: true,
  ApproveCommitment: true,
  RejectCommitment: true,
  RequestChanges: true,
  DeferCommitment: true,
  StartCommitment: true,
  ReportProgress: true,
  CompleteCommitment: true,
  EvaluateCommitment: true,
  ExtendDueDate: true,
  SuspendCommitment: true,
  ResumeCommitment: true,
  ReopenCommitment: true,
  MarkOverdue: true,
  CloseCommitment: true,
};
export const commitmentCommandTypes = Object.keys(types) as CommitmentCommandType[];

/** Sent by the owning party's integrations or delegates. */
export const partyCommandTypes: readonly CommitmentCommandType[] = [
  'ProposeCommitment',
  'ReviseCommitment',
  'WithdrawCommitment',
  'StartCommitment',
  'ReportProgress',
  'CompleteCommitment',
];

/** Committee decisions, agenda, deadline watch and closing: sent by the secretariat or the system. */
export const secretariatCommandTypes: readonly CommitmentCommandType[] = commitmentCommandTypes.filter(
  (type) => !partyCommandTypes.includes(type),
);
