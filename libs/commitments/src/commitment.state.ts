export type CommitmentStatus =
  | 'proposed'
  | 'under_review'
  | 'changes_requested'
  | 'approved'
  | 'in_progress'
  | 'completed'
  | 'evaluated'
  | 'suspended'
  | 'rejected'
  | 'withdrawn'
  | 'closed';

export const commitmentStatuses: readonly CommitmentStatus[] = [
  'proposed',
  'under_review',
  'changes_requested',
  'approved',
  'in_progress',
  'completed',
  'evaluated',
  'suspended',
  'rejected',
  'withdrawn',
  'closed',
];

export type Priority = 'low' | 'normal' | 'high';
export const priorities: readonly Priority[] = ['low', 'normal', 'high'];

export type EvaluationOutcome = 'achieved' | 'partially_achieved' | 'not_achieved';
export const evaluationOutcomes: readonly EvaluationOutcome[] = ['achieved', 'partially_achieved', 'not_achieved'];

/** The states a commitment can be suspended from, and so resumed to. */
export type SuspendableStatus = 'approved' | 'in_progress';

export interface Evidence {
  readonly title: string;
  readonly uri: string;
  /** The SHA-256 of the file in the evidence store (64 lower-case hex): the event then covers the bytes, not only a link. */
  readonly sha256?: string;
  /** Its size in bytes, as stored; set with `sha256`. */
  readonly size?: number;
}

/** Evidence as a command names it: with `sha256`, the URI may be left out (it is then `/evidence/<sha256>`). */
export type EvidenceReference = Omit<Evidence, 'uri'> & { readonly uri?: string };

/** Where the API serves a stored evidence file. */
export const evidenceUriOf = (sha256: string): string => `/evidence/${sha256}`;

export interface AgendaPlacement {
  readonly sessionId: string;
  readonly itemId: string;
}

export interface NoCommitment {
  readonly status: 'none';
}

export interface ExistingCommitment {
  readonly status: CommitmentStatus;
  readonly commitmentId: string;
  readonly agreementId: string;
  readonly title: string;
  readonly description: string;
  readonly domain: string;
  readonly leadAgencies: readonly string[];
  /** ISO date `YYYY-MM-DD`, or none. */
  readonly dueDate: string | null;
  readonly priority: Priority;
  /** The proposing party's code: the only party that acts on the commitment. */
  readonly owner: string;
  /** Latest reported percentage, 0 until a report; never goes down. */
  readonly progress: number;
  /** The due date it became overdue for; null when not overdue (an extension clears it). */
  readonly overdueFor: string | null;
  /** Set while suspended. */
  readonly suspendedFrom: SuspendableStatus | null;
  /** Set while under review. */
  readonly agenda: AgendaPlacement | null;
  /** Set once evaluated; cleared by a reopening. */
  readonly outcome: EvaluationOutcome | null;
}

export type Commitment = NoCommitment | ExistingCommitment;

export const initialCommitmentState: Commitment = { status: 'none' };

/** Overdue is a flag, not a state: it matters while approved or in progress. */
export function isOverdue(commitment: Commitment): boolean {
  return commitment.status !== 'none' && commitment.overdueFor !== null;
}
