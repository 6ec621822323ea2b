import {
  agreementContextOf,
  agreementDecider,
  agreementStreamId,
  fold,
  type AgreementContext,
  type AgreementEvent,
} from '@accord/commitments';
import { readStreamAs, type EventStore } from '@accord/event-store';

/**
 * An agreement's domains and parties, folded from its stream, for the commands that are checked
 * against them (proposing or revising a commitment, scheduling a session); NotFoundError when
 * the agreement was never registered.
 */
export async function readAgreementContext(store: EventStore, agreementId: string): Promise<AgreementContext> {
  const events = await readStreamAs<AgreementEvent>(store, agreementStreamId(agreementId));
  return agreementContextOf(fold(agreementDecider, events), agreementId);
}
