import type { Agreement } from './agreement.state';
import { NotFoundError } from './domain.errors';

/**
 * What a commitment decision needs to know of its agreement. The handler reads the agreement's
 * stream and passes this on the command, so that the commitment decider stays pure.
 */
export interface AgreementContext {
  readonly agreementId: string;
  readonly domains: readonly string[];
  /** Party codes. */
  readonly parties: readonly string[];
}

/** The context of a folded agreement; NotFoundError when the agreement was never registered. */
export function agreementContextOf(agreement: Agreement, agreementId: string): AgreementContext {
  if (agreement.status === 'none') throw new NotFoundError('agreement', agreementId);
  return {
    agreementId: agreement.agreementId,
    domains: agreement.domains,
    parties: agreement.parties.map((p) => p.code),
  };
}
