import {
  agreementIdOf,
  evolveAgreement,
  initialAgreementState,
  type Agreement,
  type AgreementEvent,
  type RegisteredAgreement,
} from '@accord/commitments';
import { recordedAs } from '@accord/event-store';
import { jsonColumn, type Projection } from '@accord/projection-runner';

/** Each agreement: its parties and domains, as registered and amended. */
export const agreementsProjection: Projection = {
  name: 'agreements',
  version: 1,
  tables: [
    {
      name: 'agreements',
      key: ['id'],
      columns: { id: 'text', state: 'text', revision: 'bigint', position: 'bigint' },
    },
  ],
  reads(event) {
    const id = agreementIdOf(event.streamId);
    return id ? [['agreements', id]] : [];
  },
  apply(event, rows) {
    const id = agreementIdOf(event.streamId);
    if (!id) return;
    const row = rows.get('agreements', id);
    const before = jsonColumn<Agreement>(row, 'state', initialAgreementState);
    const after = evolveAgreement(before, recordedAs<AgreementEvent>(event));
    rows.put('agreements', { id, state: after, revision: event.revision, position: event.position });
  },
};

/** An agreement as `GET /agreements/{id}` serves it. */
export interface AgreementView {
  id: string;
  title: string;
  /** ISO date. */
  signedAt: string;
  signedIn: string;
  parties: { code: string; name: string; agencies: string[] }[];
  domains: string[];
  revision: number;
  position: number;
}

/** The view of a registered agreement, at a revision and position (its row's, or a replay's). */
export function toAgreementView(state: RegisteredAgreement, revision: number, position: number): AgreementView {
  return {
    id: state.agreementId,
    title: state.title,
    signedAt: state.signedAt,
    signedIn: state.signedIn,
    parties: state.parties.map((p) => ({ code: p.code, name: p.name, agencies: [...p.agencies] })),
    domains: [...state.domains],
    revision,
    position,
  };
}
