import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import { api, unwrap } from '../../api/client';
import type { operations } from '../../api/openapi';
import { usePageTitle } from '../../components/page-title';
import { Pager } from '../../components/pager';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useFormat } from '../../i18n/format';
import './commitments.css';

type ListQuery = NonNullable<operations['CommitmentReadsController_list']['parameters']['query']>;
type Status = NonNullable<ListQuery['status']>;
type Sort = NonNullable<ListQuery['sort']>;

const STATUSES: readonly Status[] = [
  'proposed',
  'under_review',
  'changes_requested',
  'approved',
  'in_progress',
  'completed',
  'evaluated',
  'suspended',
  'rejected',
  'withdrawn',
  'closed',
];
const SORTS: readonly Sort[] = [
  'createdAt',
  '-createdAt',
  'dueDate',
  '-dueDate',
  'updatedAt',
  '-updatedAt',
  'title',
  '-title',
];
/** The filters of GET /commitments that the URL keeps (so a view can be bookmarked and shared). */
const FILTERS = ['agreementId', 'status', 'domain', 'party', 'overdue', 'dueBefore', 'dueAfter', 'sort'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const isStatus = (value: string): value is Status => (STATUSES as readonly string[]).includes(value);
const isSort = (value: string): value is Sort => (SORTS as readonly string[]).includes(value);

/** The API's query from the URL's: unknown words are left out rather than sent to be refused. */
function toQuery(filters: Filters, cursor: string | undefined): ListQuery {
  const query: ListQuery = { limit: 20 };
  if (filters.agreementId) query.agreementId = filters.agreementId;
  if (isStatus(filters.status)) query.status = filters.status;
  if (filters.domain) query.domain = filters.domain;
  if (filters.party) query.party = filters.party;
  if (filters.overdue === 'true' || filters.overdue === 'false') query.overdue = filters.overdue === 'true';
  if (filters.dueBefore) query.dueBefore = filters.dueBefore;
  if (filters.dueAfter) query.dueAfter = filters.dueAfter;
  if (isSort(filters.sort)) query.sort = filters.sort;
  if (cursor) query.cursor = cursor;
  return query;
}

export function CommitmentsList() {
  const { t } = useTranslation(['commitments', 'common']);
  usePageTitle(t('title'));
  const format = useFormat();
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const filters = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? ''])) as Filters;
  /** The cursors of the pages after the first, in the URL too: a bookmarked page 3 opens on page 3. */
  const cursors = search.getAll('page');
  const setParams = (next: Partial<Filters>, pages: string[] = []) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...filters, ...next })) if (value) params.set(name, value);
    for (const page of pages) params.append('page', page);
    navigate(`/commitments${params.size ? `?${params}` : ''}`);
  };
  const query = toQuery(filters, cursors.at(-1));
  const list = useQuery({
    queryKey: ['commitments', query],
    queryFn: () => unwrap(api.GET('/commitments', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const agreements = useQuery({
    queryKey: ['agreements', 'all-titles'],
    queryFn: () => unwrap(api.GET('/agreements', { params: { query: { limit: 200 } } })),
  });
  const titles = new Map((agreements.data?.items ?? []).map((a) => [a.id, a.title]));
  const textFilter = (name: 'domain' | 'party', size?: number, normalise = (v: string) => v) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{t(`filters.${name}`)}</label>
      <input
        id={`f-${name}`}
        // A new value from the URL (Reset, back) gives a fresh input.
        key={filters[name]}
        type="text"
        size={size}
        className={size ? 'narrow' : undefined}
        defaultValue={filters[name]}
        onBlur={(e) => normalise(e.target.value) !== filters[name] && setParams({ [name]: normalise(e.target.value) })}
        onKeyDown={(e) => e.key === 'Enter' && setParams({ [name]: normalise(e.currentTarget.value) })}
      />
    </div>
  );
  return (
    <section>
      <h1>{t('title')}</h1>
      <form
        className="inline card"
        role="search"
        aria-label={t('filters.legend')}
        onSubmit={(event) => event.preventDefault()}
      >
        <div className="field">
          <label htmlFor="f-agreement">{t('filters.agreementId')}</label>
          <select
            id="f-agreement"
            value={filters.agreementId}
            onChange={(e) => setParams({ agreementId: e.target.value })}
          >
            <option value="">{t('filters.any')}</option>
            {filters.agreementId && !titles.has(filters.agreementId) && (
              <option value={filters.agreementId}>{filters.agreementId}</option>
            )}
            {(agreements.data?.items ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">{t('filters.status')}</label>
          <select id="f-status" value={filters.status} onChange={(e) => setParams({ status: e.target.value })}>
            <option value="">{t('filters.any')}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`common:status.${status}`)}
              </option>
            ))}
          </select>
        </div>
        {textFilter('domain')}
        {textFilter('party', 6, (v) => v.trim().toUpperCase())}
        <div className="field">
          <label htmlFor="f-due-after">{t('filters.dueAfter')}</label>
          <input
            id="f-due-after"
            type="date"
            value={filters.dueAfter}
            onChange={(e) => setParams({ dueAfter: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="f-due-before">{t('filters.dueBefore')}</label>
          <input
            id="f-due-before"
            type="date"
            value={filters.dueBefore}
            onChange={(e) => setParams({ dueBefore: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="f-overdue">{t('filters.overdue')}</label>
          <select id="f-overdue" value={filters.overdue} onChange={(e) => setParams({ overdue: e.target.value })}>
            <option value="">{t('filters.any')}</option>
            <option value="true">{t('filters.overdueOnly')}</option>
            <option value="false">{t('filters.notOverdue')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-sort">{t('filters.sort')}</label>
          <select id="f-sort" value={filters.sort} onChange={(e) => setParams({ sort: e.target.value })}>
            <option value="">{t('sort.default')}</option>
            {SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`sort.${sort}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="secondary" onClick={() => navigate('/commitments')}>
          {t('common:actions.reset')}
        </button>
      </form>
      <QueryView query={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="card" data-testid="commitments-empty">
              {t('empty')}
            </p>
          ) : (
            <>
              <table data-testid="commitments">
                <caption className="visually-hidden">{t('title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('columns.title')}</th>
                    <th scope="col">{t('columns.agreement')}</th>
                    <th scope="col">{t('columns.party')}</th>
                    <th scope="col">{t('columns.status')}</th>
                    <th scope="col">{t('columns.progress')}</th>
                    <th scope="col">{t('columns.due')}</th>
                    <th scope="col">{t('columns.overdue')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.id} data-id={c.id}>
                      <td>
                        <Link href={`/commitments/${c.id}`}>{c.title}</Link>
                      </td>
                      <td>
                        <Link href={`/agreements/${c.agreementId}`}>
                          {titles.get(c.agreementId) ?? c.agreementId.slice(0, 8)}
                        </Link>
                        <br />
                        <span className="muted">{c.domain}</span>
                      </td>
                      <td>{c.proposingParty}</td>
                      <td>
                        <StatusBadge status={c.status} />
                      </td>
                      <td>{format.percent(c.progress)}</td>
                      <td>{format.date(c.dueDate)}</td>
                      <td data-overdue={c.overdue ? 'yes' : 'no'}>
                        {c.overdue ? (
                          <span className="overdue">
                            <span aria-hidden="true">⚠ </span>
                            {t('overdue')}
                          </span>
                        ) : (
                          <span className="muted">{t('onTime')}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager cursors={cursors} nextCursor={page.nextCursor} onChange={(pages) => setParams({}, pages)} />
            </>
          )
        }
      </QueryView>
    </section>
  );
}
