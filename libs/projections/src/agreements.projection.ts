import { evolveAgreement, initialAgreementState, type Agreement, type AgreementEvent } from '@accord/commitments';
import { jsonColumn, type Projection } from './projection';

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
    return event.streamId.startsWith('agreement-') ? [['agreements', event.streamId.slice('agreement-'.length)]] : [];
  },
  apply(event, rows) {
    if (!event.streamId.startsWith('agreement-')) return;
    const id = event.streamId.slice('agreement-'.length);
    const row = rows.get('agreements', id);
    const before = jsonColumn<Agreement>(row, 'state', initialAgreementState);
    const after = evolveAgreement(before, event as unknown as AgreementEvent);
    rows.put('agreements', { id, state: after, revision: event.revision, position: event.position });
  },
};
