import { evaluationOutcomes, type CommitmentStatus, type EvaluationOutcome } from '@accord/commitments';

/** What the committee is asked to decide about a commitment. */
export type AgendaItemKind = 'review' | 'evaluation' | 'extension' | 'suspension' | 'resumption' | 'reopening';
export const agendaItemKinds: readonly AgendaItemKind[] = [
  'review',
  'evaluation',
  'extension',
  'suspension',
  'resumption',
  'reopening',
];

export type ReviewOption = 'approve' | 'reject' | 'request_changes';
export type GrantOption = 'grant' | 'deny';
/** A delegation's position, and once every party holds the same one, the committee's decision. */
export type Position = ReviewOption | EvaluationOutcome | GrantOption;

const reviewOptions: readonly ReviewOption[] = ['approve', 'reject', 'request_changes'];
const grantOptions: readonly GrantOption[] = ['grant', 'deny'];

/** The positions a delegation may take on an item of each kind. */
export const positionOptions: Readonly<Record<AgendaItemKind, readonly Position[]>> = {
  review: reviewOptions,
  evaluation: evaluationOutcomes,
  extension: grantOptions,
  suspension: grantOptions,
  resumption: grantOptions,
  reopening: grantOptions,
};

/** The commitment states each kind of item can be about: the state the resulting command needs. */
const fittingStates: Readonly<Record<AgendaItemKind, readonly CommitmentStatus[]>> = {
  review: ['proposed'],
  evaluation: ['completed'],
  extension: ['approved', 'in_progress'],
  suspension: ['approved', 'in_progress'],
  resumption: ['suspended'],
  reopening: ['evaluated'],
};

/** Whether an item of this kind may be put on the agenda for a commitment in this state. */
export function fitsState(kind: AgendaItemKind, status: CommitmentStatus): boolean {
  return fittingStates[kind]?.includes(status) ?? false;
}

export function isPositionFor(kind: AgendaItemKind, position: unknown): position is Position {
  return positionOptions[kind].includes(position as Position);
}
