import { evolveSession, initialSessionState, sessionIdOf, type Session, type SessionEvent } from '@accord/committee';
import { recordedAs } from '@accord/event-store';
import { jsonColumn, type Projection } from '@accord/projection-runner';

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
    const id = sessionIdOf(event.streamId);
    return id ? [['sessions', id]] : [];
  },
  apply(event, rows) {
    const id = sessionIdOf(event.streamId);
    if (!id) return;
    const row = rows.get('sessions', id);
    const before = jsonColumn<Session>(row, 'state', initialSessionState);
    const after = evolveSession(before, recordedAs<SessionEvent>(event));
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
