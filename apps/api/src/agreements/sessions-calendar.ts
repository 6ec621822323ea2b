import type { AgreementView, SessionView } from '@accord/read-models';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import ical, { ICalEventStatus } from 'ical-generator';
import { currentTables } from '../sessions/current-tables';
import { toView, type SessionRow } from '../sessions/session.queries';
import { ReadModels } from '../workers/read-models';
import { readAgreement } from './agreement.queries';

/** A session in the feed: its view and when the read model last changed it. */
export interface CalendarSession {
  readonly view: SessionView;
  /** The store's instant of the session's last event. */
  readonly updatedAt: string;
}

const SUMMARY: Record<SessionView['status'], string> = {
  scheduled: 'Mixed committee session',
  open: 'Mixed committee session (in session)',
  closed: 'Mixed committee session (closed)',
};

function itemLine(item: SessionView['items'][number], index: number): string {
  const state = item.status === 'decided' ? `decided: ${item.outcome}` : item.status;
  return `${index + 1}. ${item.kind}: ${item.commitmentTitle ?? item.commitmentId} (${state})`;
}

/**
 * An agreement's committee sessions as an iCalendar feed (RFC 5545), one VEVENT a session.
 * A session records one instant and no length, so an event has a DTSTART and no DTEND (RFC
 * 5545 §3.6.1: it ends when it starts). The model has no cancellation, so STATUS is always
 * CONFIRMED; the session's own status is in SUMMARY and DESCRIPTION. The UID is the session's
 * id, SEQUENCE its revision, DTSTAMP and LAST-MODIFIED the time of its last event, so the same
 * sessions give the same feed, byte for byte.
 */
export function sessionsCalendar(agreement: AgreementView, sessions: readonly CalendarSession[]): string {
  const calendar = ical({
    name: `${agreement.title}: committee sessions`,
    prodId: { company: 'accord', product: 'committee sessions', language: 'EN' },
    ttl: 60 * 60,
  });
  for (const { view, updatedAt } of sessions) {
    const agenda = view.items.length > 0 ? ['Agenda:', ...view.items.map(itemLine)] : ['No agenda items yet.'];
    calendar.createEvent({
      id: `${view.id}@accord`,
      sequence: view.revision,
      stamp: new Date(updatedAt),
      lastModified: new Date(updatedAt),
      start: new Date(view.scheduledFor),
      summary: SUMMARY[view.status],
      location: view.venue,
      status: ICalEventStatus.CONFIRMED,
      description: [
        `Agreement: ${agreement.title}`,
        `Session status: ${view.status}`,
        `Parties: ${view.parties.join(', ')}`,
        ...agenda,
      ].join('\n'),
    });
  }
  // RFC 5545 §3.1 ends every content line with CRLF, the last one too; ical-generator leaves it off.
  return `${calendar.toString()}\r\n`;
}

export class GetSessionsCalendarQuery extends Query<string> {
  constructor(
    readonly agreementId: string,
    readonly after?: number,
  ) {
    super();
  }
}

@QueryHandler(GetSessionsCalendarQuery)
export class GetSessionsCalendarHandler implements IQueryHandler<GetSessionsCalendarQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ agreementId, after }: GetSessionsCalendarQuery): Promise<string> {
    const agreement = await readAgreement(this.readModels, agreementId, after);
    const t = await currentTables(this.readModels, 'sessions', after);
    const rows = await this.readModels.db.query<SessionRow>(
      `SELECT id, scheduled_ms, state, journal, revision, position, updated_at FROM "${t.sessions}"
       WHERE agreement_id = ? ORDER BY scheduled_ms, id`,
      [agreementId],
    );
    return sessionsCalendar(
      agreement,
      rows.map((row) => ({ view: toView(row), updatedAt: row.updated_at })),
    );
  }
}
