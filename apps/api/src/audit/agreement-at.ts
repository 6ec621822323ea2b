import {
  agreementStreamId,
  evolveAgreement,
  initialAgreementState,
  type Agreement,
  type AgreementEvent,
  type RegisteredAgreement,
} from '@accord/commitments';
import { recordedAs, type EventStore } from '@accord/event-store';
import { toAgreementView, type AgreementView } from '@accord/read-models';
import { streamAt, type Cutoff } from './stream-at';

export interface AgreementStateView extends AgreementView {
  /** The last revision folded: the state is the one the agreement had right after it. */
  asOfRevision: number;
}

/**
 * An agreement as it stood at a revision or an instant: its stream folded with the decider's
 * own evolve, mapped as the agreements read model serves a row (`GET /agreements/{id}`).
 */
export async function agreementAt(store: EventStore, id: string, cutoff: Cutoff): Promise<AgreementStateView> {
  const { state, last } = await streamAt<Agreement, RegisteredAgreement>(
    store,
    agreementStreamId(id),
    cutoff,
    {
      initial: initialAgreementState,
      evolve: (agreement, event) => evolveAgreement(agreement, recordedAs<AgreementEvent>(event)),
      exists: (agreement): agreement is RegisteredAgreement => agreement.status !== 'none',
    },
    `agreement ${id}`,
  );
  return { ...toAgreementView(state, last.revision, last.position), asOfRevision: last.revision };
}
