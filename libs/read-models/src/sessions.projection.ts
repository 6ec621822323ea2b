import { commitmentIdOf, type CommitmentEvent } from '@accord/commitments';
import { evolveSession, initialSessionState, sessionIdOf, type Session, type SessionEvent } from '@accord/committee';
import { recordedAs, type RecordedEvent } from '@accord/event-store';
import { jsonColumn, type Projection } from '@accord/projection-runner';
import {
  commitmentPutOnAgenda,
  emptySessionJournal,
  evolveSessionJournal,
  scheduledMs,
  type SessionJournal,
} from './session-view';

/**
 * The sessions model keeps a copy of every commitment's title for display. Text a store cannot
 * hold (U+0000, a lone surrogate: only an event written past the API can carry it) is shown
 * as U+FFFD here, so that such an event stops the commitments models that own the title (for an
 * operator to skip, decision 0012) and not the committee's sessions as well.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what it looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const displayable = (text: string): string => text.replace(UNSTORABLE, '\uFFFD');

/** The title a commitment event gives its commitment, when it sets one. */
export function titleSetBy(event: RecordedEvent): string | undefined {
  const e = recordedAs<CommitmentEvent>(event);
  if (e.type === 'CommitmentProposed') return e.data.title;
  if (e.type === 'CommitmentRevised') return e.data.changes.title;
  return undefined;
}

/**
 * Each committee session: agenda, attendance, positions, decisions and deferrals. Beside the
 * folded state, a journal keeps every position taken on each item (the state keeps only each
 * party's latest) and the title of each item's commitment when it was put on the agenda;
 * `session_commitments` follows the titles for that. Version 2 added the journal and
 * `scheduled_ms`, what `GET /sessions?from=&to=` compares.
 */
export const sessionsProjection: Projection = {
  name: 'sessions',
  version: 2,
  tables: [
    {
      name: 'sessions',
      key: ['id'],
      columns: {
        id: 'text',
        agreement_id: 'text',
        status: 'text',
        scheduled_for: 'text',
        scheduled_ms: 'bigint',
        state: 'text',
        journal: 'text',
        revision: 'bigint',
        position: 'bigint',
        updated_at: 'text',
      },
      indexes: [
        ['agreement_id', 'status'],
        ['agreement_id', 'scheduled_ms', 'id'],
        ['scheduled_ms', 'id'],
      ],
    },
    { name: 'session_commitments', key: ['id'], columns: { id: 'text', title: 'text' } },
  ],
  reads(event) {
    const id = sessionIdOf(event.streamId);
    if (!id) return [];
    const commitmentId = commitmentPutOnAgenda(event);
    return commitmentId
      ? [
          ['sessions', id],
          ['session_commitments', commitmentId],
        ]
      : [['sessions', id]];
  },
  apply(event, rows) {
    const commitmentId = commitmentIdOf(event.streamId);
    if (commitmentId) {
      const title = titleSetBy(event);
      if (title !== undefined) rows.put('session_commitments', { id: commitmentId, title: displayable(title) });
      return;
    }
    const id = sessionIdOf(event.streamId);
    if (!id) return;
    const row = rows.get('sessions', id);
    const before = jsonColumn<Session>(row, 'state', initialSessionState);
    const after = evolveSession(before, recordedAs<SessionEvent>(event));
    if (after.status === 'none') return;
    const onAgenda = commitmentPutOnAgenda(event);
    const title = onAgenda ? rows.get('session_commitments', onAgenda)?.title : undefined;
    const journal = evolveSessionJournal(
      jsonColumn<SessionJournal>(row, 'journal', emptySessionJournal),
      event,
      typeof title === 'string' ? title : null,
    );
    rows.put('sessions', {
      id,
      agreement_id: after.agreementId,
      status: after.status,
      scheduled_for: after.scheduledFor,
      scheduled_ms: scheduledMs(after),
      state: after,
      journal,
      revision: event.revision,
      position: event.position,
      updated_at: event.recordedAt,
    });
  },
};
