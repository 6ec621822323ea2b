import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import { api, unwrap, type Schemas } from '../../api/client';
import type { operations } from '../../api/openapi';
import { useSession } from '../../auth/session';
import { usePageTitle } from '../../components/page-title';
import { Pager } from '../../components/pager';
import { ProblemMessage } from '../../components/problem-message';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useCommand } from '../../components/use-command';
import { useFormat } from '../../i18n/format';
import './sessions.css';

type Session = Schemas['SessionViewDto'];
type ListQuery = NonNullable<operations['SessionReadsController_list']['parameters']['query']>;
type Status = NonNullable<ListQuery['status']>;

const STATUSES: Status[] = ['scheduled', 'open', 'closed'];
/** The filters of GET /sessions the URL keeps, with the view and the month (a view can be bookmarked). */
const FILTERS = ['agreementId', 'status', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A day (YYYY-MM-DD) as the instant it starts, in UTC; `nextDay` the instant it ends. */
function dayStart(day: string, nextDay = false): string {
  const start = new Date(`${day}T00:00:00Z`);
  if (nextDay) start.setUTCDate(start.getUTCDate() + 1);
  return start.toISOString();
}

/** The API's query for the filters: the dates of the form as UTC instants, `to` inclusive of its day. */
function toQuery(filters: Filters): ListQuery {
  const query: ListQuery = {};
  if (filters.agreementId) query.agreementId = filters.agreementId;
  if (STATUSES.includes(filters.status as Status)) query.status = filters.status as Status;
  if (DATE.test(filters.from)) query.from = dayStart(filters.from);
  if (DATE.test(filters.to)) query.to = dayStart(filters.to, true);
  return query;
}

/** Every session of a query, page after page (a month holds a handful). */
async function allSessions(query: ListQuery): Promise<Session[]> {
  const all: Session[] = [];
  for (let cursor: string | undefined; ;) {
    const page = await unwrap(api.GET('/sessions', { params: { query: { ...query, limit: 200, cursor } } }));
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
}

function useAgreements() {
  return useQuery({
    queryKey: ['agreements', { limit: 200 }],
    queryFn: () => unwrap(api.GET('/agreements', { params: { query: { limit: 200 } } })),
  });
}

export function SessionsList() {
  const { t } = useTranslation(['sessions', 'common']);
  usePageTitle(t('title'));
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const { can } = useSession();
  const agreements = useAgreements();
  const view = search.get('view') === 'calendar' ? 'calendar' : 'list';
  const month = MONTH.test(search.get('month') ?? '') ? search.get('month') : null;
  const filters = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? ''])) as Filters;
  const cursors = search.getAll('page');
  /** The URL for the next state: filters kept unless changed; the page stack starts again on any change. */
  const go = (next: Partial<Filters & { view: string; month: string }>, pages: string[] = []) => {
    const params = new URLSearchParams();
    const state: Record<string, string> = { view, month: month ?? '', ...filters, ...next };
    if (state.view !== 'calendar') state.month = '';
    for (const [name, value] of Object.entries(state))
      if (value && !(name === 'view' && value === 'list')) params.set(name, value);
    for (const page of pages) params.append('page', page);
    navigate(`/sessions${params.size ? `?${params}` : ''}`);
  };
  const titles = new Map((agreements.data?.items ?? []).map((a) => [a.id, a.title]));
  return (
    <section>
      <h1>{t('title')}</h1>
      <div className="toolbar" role="group" aria-label={t('view')}>
        <button
          type="button"
          className={view === 'list' ? '' : 'secondary'}
          aria-pressed={view === 'list'}
          onClick={() => go({ view: 'list' })}
        >
          {t('list')}
        </button>
        <button
          type="button"
          className={view === 'calendar' ? '' : 'secondary'}
          aria-pressed={view === 'calendar'}
          onClick={() => go({ view: 'calendar' })}
        >
          {t('calendar')}
        </button>
      </div>
      <form className="inline card" aria-label={t('filters.legend')} onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="f-agreement">{t('filters.agreement')}</label>
          <select id="f-agreement" value={filters.agreementId} onChange={(e) => go({ agreementId: e.target.value })}>
            <option value="">{t('filters.any')}</option>
            {(agreements.data?.items ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">{t('filters.status')}</label>
          <select id="f-status" value={filters.status} onChange={(e) => go({ status: e.target.value })}>
            <option value="">{t('filters.any')}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`common:status.${status}`)}
              </option>
            ))}
          </select>
        </div>
        {view === 'list' && (
          <>
            <div className="field">
              <label htmlFor="f-from">{t('filters.from')}</label>
              <input id="f-from" type="date" value={filters.from} onChange={(e) => go({ from: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="f-to">{t('filters.to')}</label>
              <input id="f-to" type="date" value={filters.to} onChange={(e) => go({ to: e.target.value })} />
            </div>
          </>
        )}
        <button
          type="button"
          className="secondary"
          onClick={() => go({ agreementId: '', status: '', from: '', to: '' })}
        >
          {t('common:actions.reset')}
        </button>
      </form>
      {view === 'calendar' ? (
        <Calendar
          filters={filters}
          month={month}
          titles={titles}
          onMonth={(next) => go({ view: 'calendar', month: next })}
        />
      ) : (
        <SessionTable filters={filters} cursors={cursors} titles={titles} onPage={(pages) => go({}, pages)} />
      )}
      {can('secretariat') && <ScheduleForm />}
    </section>
  );
}

function SessionTable({
  filters,
  cursors,
  titles,
  onPage,
}: {
  filters: Filters;
  cursors: string[];
  titles: Map<string, string>;
  onPage(cursors: string[]): void;
}) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  const query: ListQuery = { ...toQuery(filters), limit: 20 };
  if (cursors.length) query.cursor = cursors[cursors.length - 1];
  const list = useQuery({
    queryKey: ['sessions', query],
    queryFn: () => unwrap(api.GET('/sessions', { params: { query } })),
  });
  return (
    <QueryView query={list}>
      {(page) =>
        page.items.length === 0 ? (
          <p>{t('common:state.empty')}</p>
        ) : (
          <>
            <table data-testid="sessions">
              <thead>
                <tr>
                  <th scope="col">{t('when')}</th>
                  <th scope="col">{t('venue')}</th>
                  <th scope="col">{t('agreement')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('items')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((s) => (
                  <tr key={s.id} data-id={s.id}>
                    <td>
                      <Link href={`/sessions/${s.id}`}>{format.dateTime(s.scheduledFor)}</Link>
                    </td>
                    <td>{s.venue}</td>
                    <td>
                      <Link href={`/agreements/${s.agreementId}`}>{titles.get(s.agreementId) ?? s.agreementId}</Link>
                    </td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td data-testid="items-count">{format.number(s.items.length)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} nextCursor={page.nextCursor} onChange={onPage} />
          </>
        )
      }
    </QueryView>
  );
}

/** The month to show when the URL names none: that of the next session to come, else this month. */
function useDefaultMonth(filters: Filters, wanted: boolean) {
  const [now] = useState(() => new Date().toISOString());
  return useQuery({
    queryKey: ['sessions', 'next', filters.agreementId, filters.status, now],
    enabled: wanted,
    queryFn: async () => {
      const query: ListQuery = { ...toQuery({ ...filters, from: '', to: '' }), from: now, limit: 1 };
      const next = await unwrap(api.GET('/sessions', { params: { query } }));
      return (next.items[0]?.scheduledFor ?? now).slice(0, 7);
    },
  });
}

/** A month as weeks of days (Monday first), with the sessions held on each day, in UTC. */
function Calendar({
  filters,
  month,
  titles,
  onMonth,
}: {
  filters: Filters;
  month: string | null;
  titles: Map<string, string>;
  onMonth(m: string): void;
}) {
  const fallback = useDefaultMonth(filters, !month);
  if (month) return <Month filters={filters} month={month} titles={titles} onMonth={onMonth} />;
  return (
    <QueryView query={fallback}>
      {(shown) => <Month filters={filters} month={shown} titles={titles} onMonth={onMonth} />}
    </QueryView>
  );
}

function Month({
  filters,
  month,
  titles,
  onMonth,
}: {
  filters: Filters;
  month: string;
  titles: Map<string, string>;
  onMonth(m: string): void;
}) {
  const { t, i18n } = useTranslation(['sessions', 'common']);
  const [year, monthIndex] = [Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1];
  const start = new Date(Date.UTC(year, monthIndex, 1));
  const end = new Date(Date.UTC(year, monthIndex + 1, 1));
  const query: ListQuery = {
    ...toQuery({ ...filters, from: '', to: '' }),
    from: start.toISOString(),
    to: end.toISOString(),
  };
  const sessions = useQuery({ queryKey: ['sessions', 'all', query], queryFn: () => allSessions(query) });
  const days = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
  const lead = (start.getUTCDay() + 6) % 7;
  const cells: (number | null)[] = [...Array<null>(lead).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const weekday = new Intl.DateTimeFormat(i18n.language, { weekday: 'short', timeZone: 'UTC' });
  const weekdayLong = new Intl.DateTimeFormat(i18n.language, { weekday: 'long', timeZone: 'UTC' });
  const title = new Intl.DateTimeFormat(i18n.language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    start,
  );
  const dayName = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'full', timeZone: 'UTC' });
  const time = new Intl.DateTimeFormat(i18n.language, { timeStyle: 'short', timeZone: 'UTC' });
  const number = new Intl.NumberFormat(i18n.language);
  const shift = (by: number) => new Date(Date.UTC(year, monthIndex + by, 1)).toISOString().slice(0, 7);
  // 1 January 2024 was a Monday: the seven days from it name the columns.
  const monday = (d: number) => new Date(Date.UTC(2024, 0, 1 + d));
  return (
    <div className="calendar card">
      <div className="toolbar calendar-nav">
        <button type="button" className="secondary" onClick={() => onMonth(shift(-1))}>
          {t('previousMonth')}
        </button>
        <h2 data-testid="month" aria-live="polite">
          {title}
        </h2>
        <button type="button" className="secondary" onClick={() => onMonth(shift(1))}>
          {t('nextMonth')}
        </button>
      </div>
      <QueryView query={sessions}>
        {(all) => {
          const onDay = (day: number) =>
            all.filter((s) => s.scheduledFor.slice(0, 10) === `${month}-${String(day).padStart(2, '0')}`);
          return (
            <>
              <table data-testid="calendar">
                <caption className="visually-hidden">{title}</caption>
                <thead>
                  <tr>
                    {Array.from({ length: 7 }, (_, d) => (
                      <th scope="col" key={d}>
                        <abbr title={weekdayLong.format(monday(d))}>{weekday.format(monday(d))}</abbr>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {weeks.map((week, w) => (
                    <tr key={w}>
                      {week.map((day, d) => (
                        <td
                          key={d}
                          className={day ? (onDay(day).length ? 'day busy' : 'day') : 'day empty'}
                          data-day={day ?? undefined}
                        >
                          {day && (
                            <>
                              <span className="day-number">
                                <span aria-hidden="true">{number.format(day)}</span>
                                <span className="visually-hidden">
                                  {dayName.format(new Date(Date.UTC(year, monthIndex, day)))}
                                </span>
                              </span>
                              {onDay(day).map((s) => (
                                <Link
                                  key={s.id}
                                  href={`/sessions/${s.id}`}
                                  className="calendar-session"
                                  data-id={s.id}
                                  data-status={s.status}
                                >
                                  {time.format(new Date(s.scheduledFor))} · {s.venue}
                                  <span className="visually-hidden">
                                    {' '}
                                    · {titles.get(s.agreementId) ?? ''} · {t(`common:status.${s.status}`)}
                                  </span>
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
              <p className="muted" data-testid="month-count">
                {t('inMonth', { total: number.format(all.length) })}
              </p>
            </>
          );
        }}
      </QueryView>
    </div>
  );
}

function ScheduleForm() {
  const { t } = useTranslation(['sessions', 'common']);
  const [, navigate] = useLocation();
  const agreements = useAgreements();
  const [agreementId, setAgreementId] = useState('');
  const [at, setAt] = useState('');
  const [venue, setVenue] = useState('');
  const schedule = useCommand((input: Schemas['ScheduleSessionDto'], key: string) =>
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
          <input id="s-at" type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="s-venue">{t('schedule.venue')}</label>
          <input
            id="s-venue"
            type="text"
            required
            maxLength={300}
            value={venue}
            onChange={(e) => setVenue(e.target.value)}
          />
        </div>
        <button type="submit" disabled={schedule.isPending}>
          {t('schedule.submit')}
        </button>
      </form>
      <ProblemMessage error={schedule.error} />
    </section>
  );
}
