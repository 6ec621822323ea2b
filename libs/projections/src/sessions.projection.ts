import { evolveSession, initialSessionState, type Session, type SessionEvent } from '@accord/committee';
import { jsonColumn, type Projection } from './projection';

/** Each committee session: agenda, attendance, positions, decisions and deferrals. */
export const sessionsProjection: Projection = {
  name: 'sessions',
  version: 1,
  tables: [
    {
      name: 'sessions',
      key: ['id'],
      columns: {
        id: 'text',
        agreement_id: 'text',
        status: 'text',
        scheduled_for: 'text',
        state: 'text',
        revision: 'bigint',
        position: 'bigint',
        updated_at: 'text',
      },
      indexes: [['agreement_id', 'status']],
    },
  ],
  reads(event) {
    return event.streamId.startsWith('session-') ? [['sessions', event.streamId.slice('session-'.length)]] : [];
  },
  apply(event, rows) {
    if (!event.streamId.startsWith('session-')) return;
    const id = event.streamId.slice('session-'.length);
    const row = rows.get('sessions', id);
    const before = jsonColumn<Session>(row, 'state', initialSessionState);
    const after = evolveSession(before, event as unknown as SessionEvent);
    if (after.status === 'none') return;
    rows.put('sessions', {
      id,
      agreement_id: after.agreementId,
      status: after.status,
      scheduled_for: after.scheduledFor,
      state: after,
      revision: event.revision,
      position: event.position,
      updated_at: event.recordedAt,
    });
  },
};
