import { NotFoundError, type AgendaPlacement, type Commitment, type CommitmentStatus } from '@accord/commitments';

/**
 * What an agenda decision needs to know of the commitment. The handler reads the commitment's
 * stream and passes this on the command, so that the session decider stays pure.
 */
export interface CommitmentContext {
  readonly commitmentId: string;
  readonly agreementId: string;
  readonly status: CommitmentStatus;
  /** ISO date `YYYY-MM-DD`, or none. */
  readonly dueDate: string | null;
  /**
   * The open agenda item the commitment is on, in any session, or null. The commitment stream
   * knows this for review items only (PlaceOnAgenda); a handler that wants the rule to hold across
   * sessions for other kinds fills it from a read model of open items.
   */
  readonly agenda: AgendaPlacement | null;
  /** The owning party's code. */
  readonly owner: string;
}

/** The context of a folded commitment; NotFoundError when the commitment was never proposed. */
export function commitmentContextOf(commitment: Commitment, commitmentId: string): CommitmentContext {
  if (commitment.status === 'none') throw new NotFoundError('commitment', commitmentId);
  return {
    commitmentId: commitment.commitmentId,
    agreementId: commitment.agreementId,
    status: commitment.status,
    dueDate: commitment.dueDate,
    agenda: commitment.agenda,
    owner: commitment.owner,
  };
}
