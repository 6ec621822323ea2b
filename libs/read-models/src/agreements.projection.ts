import {
  agreementIdOf,
  evolveAgreement,
  initialAgreementState,
  type Agreement,
  type AgreementEvent,
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
