import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { usePageTitle } from '../../components/page-title';
import { ProblemMessage } from '../../components/problem-message';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useCommand } from '../../components/use-command';
import { useFormat } from '../../i18n/format';
import './sessions.css';

type Session = Schemas['SessionViewDto'];

/** Every session (a committee meets a few times a year: a few pages at most). */
async function allSessions(): Promise<Session[]> {
  const all: Session[] = [];
  for (let cursor: string | undefined; ;) {
    const page = await unwrap(api.GET('/sessions', { params: { query: { limit: 100, cursor } } }));
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
}

export function SessionsList() {
  const { t } = useTranslation(['sessions', 'common']);
  usePageTitle(t('title'));
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const { can } = useSession();
  const view = search.get('view') === 'calendar' ? 'calendar' : 'list';
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: allSessions });
  const setView = (next: string, month?: string) => navigate(`/sessions?view=${next}${month ? `&month=${month}` : ''}`);
  return (
    <section>
      <h1>{t('title')}</h1>
      <div className="toolbar" role="group" aria-label={t('view')}>
        <button
          type="button"
          className={view === 'list' ? '' : 'secondary'}
          aria-pressed={view === 'list'}
          onClick={() => setView('list')}
        >
          {t('list')}
        </button>
        <button
          type="button"
          className={view === 'calendar' ? '' : 'secondary'}
          aria-pressed={view === 'calendar'}
          onClick={() => setView('calendar', search.get('month') ?? undefined)}
        >
          {t('calendar')}
        </button>
      </div>
      <QueryView query={sessions}>
        {(all) =>
          view === 'calendar' ? (
            <Calendar sessions={all} month={search.get('month')} onMonth={(month) => setView('calendar', month)} />
          ) : (
            <SessionTable sessions={all} />
          )
        }
      </QueryView>
      {can('secretariat') && <ScheduleForm />}
    </section>
  );
}

function SessionTable({ sessions }: { sessions: Session[] }) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  if (sessions.length === 0) return <p>{t('common:state.empty')}</p>;
  return (
    <table data-testid="sessions">
      <thead>
        <tr>
          <th scope="col">{t('when')}</th>
          <th scope="col">{t('venue')}</th>
          <th scope="col">{t('status')}</th>
          <th scope="col">{t('items')}</th>
        </tr>
      </thead>
      <tbody>
        {[...sessions]
          .sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor))
          .map((s) => (
            <tr key={s.id} data-id={s.id}>
              <td>
                <Link href={`/sessions/${s.id}`}>{format.dateTime(s.scheduledFor)}</Link>
              </td>
              <td>{s.venue}</td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>{format.number(s.items.length)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** A month as weeks of days (Monday first), with the sessions held on each day, in UTC. */
function Calendar({
  sessions,
  month,
  onMonth,
}: {
  sessions: Session[];
  month: string | null;
  onMonth(m: string): void;
}) {
  const { t, i18n } = useTranslation(['sessions', 'common']);
  const first = [...sessions].sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor))[0];
  const shown = /^\d{4}-\d{2}$/.test(month ?? '')
    ? month!
    : (first?.scheduledFor ?? new Date().toISOString()).slice(0, 7);
  const [year, monthIndex] = [Number(shown.slice(0, 4)), Number(shown.slice(5, 7)) - 1];
  const start = new Date(Date.UTC(year, monthIndex, 1));
  const days = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
  const lead = (start.getUTCDay() + 6) % 7;
  const cells: (number | null)[] = [...Array(lead).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const weekday = new Intl.DateTimeFormat(i18n.language, { weekday: 'short', timeZone: 'UTC' });
  const title = new Intl.DateTimeFormat(i18n.language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    start,
  );
  const time = new Intl.DateTimeFormat(i18n.language, { timeStyle: 'short', timeZone: 'UTC' });
  const shift = (by: number) => new Date(Date.UTC(year, monthIndex + by, 1)).toISOString().slice(0, 7);
  const onDay = (day: number) =>
    sessions.filter((s) => s.scheduledFor.slice(0, 10) === `${shown}-${String(day).padStart(2, '0')}`);
  return (
    <div className="calendar card">
      <div className="toolbar">
        <button type="button" className="secondary" onClick={() => onMonth(shift(-1))}>
          {t('previousMonth')}
        </button>
        <h2 data-testid="month">{title}</h2>
        <button type="button" className="secondary" onClick={() => onMonth(shift(1))}>
          {t('nextMonth')}
        </button>
      </div>
      <table data-testid="calendar">
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            {Array.from({ length: 7 }, (_, d) => (
              <th scope="col" key={d}>
                {weekday.format(new Date(Date.UTC(2024, 0, 1 + d)))}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((day, d) => (
                <td key={d} className={day ? 'day' : 'day empty'}>
                  {day && (
                    <>
                      <span className="day-number">{new Intl.NumberFormat(i18n.language).format(day)}</span>
                      {onDay(day).map((s) => (
                        <Link key={s.id} href={`/sessions/${s.id}`} className="calendar-session" data-id={s.id}>
                          {time.format(new Date(s.scheduledFor))} {s.venue}
                        </Link>
                      ))}
                    </>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ScheduleForm() {
  const { t } = useTranslation(['sessions', 'common']);
  const [, navigate] = useLocation();
  const agreements = useQuery({
    queryKey: ['agreements-all'],
    queryFn: () => unwrap(api.GET('/agreements', { params: { query: { limit: 100 } } })),
  });
  const [agreementId, setAgreementId] = useState('');
  const [at, setAt] = useState('');
  const [venue, setVenue] = useState('');
  const schedule = useCommand((input: { agreementId: string; scheduledFor: string; venue: string }, key: string) =>
    unwrap(api.POST('/sessions', { params: { header: { 'Idempotency-Key': key } }, body: input })),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    const chosen = agreementId || agreements.data?.items[0]?.id || '';
    schedule.mutate(
      { agreementId: chosen, scheduledFor: at ? `${at}:00Z` : '', venue },
      { onSuccess: (answer) => navigate(`/sessions/${answer.id}`) },
    );
  }
  return (
    <section className="card" aria-labelledby="schedule">
      <h2 id="schedule">{t('schedule.title')}</h2>
      <form className="inline" onSubmit={submit}>
        <div className="field">
          <label htmlFor="s-agreement">{t('schedule.agreement')}</label>
          <select id="s-agreement" value={agreementId} onChange={(e) => setAgreementId(e.target.value)}>
            {(agreements.data?.items ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="s-at">{t('schedule.at')}</label>
          <input id="s-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="s-venue">{t('schedule.venue')}</label>
          <input id="s-venue" type="text" value={venue} onChange={(e) => setVenue(e.target.value)} />
        </div>
        <button type="submit" disabled={schedule.isPending}>
          {t('schedule.submit')}
        </button>
      </form>
      <ProblemMessage error={schedule.error} />
    </section>
  );
}
