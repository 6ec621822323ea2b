import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearch, useLocation } from 'wouter';
import { api, unwrap } from '../../api/client';
import type { operations } from '../../api/openapi';
import { usePageTitle } from '../../components/page-title';
import { Pager } from '../../components/pager';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useFormat } from '../../i18n/format';

type ListQuery = NonNullable<operations[keyof operations]['parameters']['query']> & Record<string, unknown>;
const STATUSES = [
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
] as const;
const SORTS = ['createdAt', '-createdAt', 'dueDate', '-dueDate'] as const;
/** The filters of GET /commitments that the URL keeps (so a view can be bookmarked and shared). */
const FILTERS = ['agreementId', 'status', 'domain', 'party', 'overdue', 'dueBefore', 'dueAfter', 'sort'] as const;

export function CommitmentsList() {
  const { t } = useTranslation(['commitments', 'common']);
  usePageTitle(t('title'));
  const format = useFormat();
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const filters = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const cursors = search.getAll('page');
  const setParams = (next: Record<string, string>, pages: string[] = []) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...filters, ...next })) if (value) params.set(name, value);
    for (const page of pages) params.append('page', page);
    navigate(`/commitments${params.size ? `?${params}` : ''}`);
  };
  const query: Record<string, unknown> = { limit: 20 };
  for (const name of FILTERS) if (filters[name]) query[name] = filters[name];
  if (filters.overdue) query.overdue = filters.overdue === 'true';
  if (cursors.length) query.cursor = cursors[cursors.length - 1];
  const list = useQuery({
    queryKey: ['commitments', query],
    queryFn: () => unwrap(api.GET('/commitments', { params: { query: query as ListQuery as never } })),
  });
  return (
    <section>
      <h1>{t('title')}</h1>
      <form className="inline card" aria-label={t('filters.legend')} onSubmit={(event) => event.preventDefault()}>
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
        <div className="field">
          <label htmlFor="f-domain">{t('filters.domain')}</label>
          <input
            id="f-domain"
            type="text"
            defaultValue={filters.domain}
            onBlur={(e) => e.target.value !== filters.domain && setParams({ domain: e.target.value })}
            onKeyDown={(e) => e.key === 'Enter' && setParams({ domain: e.currentTarget.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="f-party">{t('filters.party')}</label>
          <input
            id="f-party"
            type="text"
            size={6}
            defaultValue={filters.party}
            onBlur={(e) => e.target.value !== filters.party && setParams({ party: e.target.value.toUpperCase() })}
            onKeyDown={(e) => e.key === 'Enter' && setParams({ party: e.currentTarget.value.toUpperCase() })}
          />
        </div>
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
          <label htmlFor="f-sort">{t('filters.sort')}</label>
          <select id="f-sort" value={filters.sort} onChange={(e) => setParams({ sort: e.target.value })}>
            <option value="">{t('filters.any')}</option>
            {SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`sort.${sort}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label>
            <input
              type="checkbox"
              checked={filters.overdue === 'true'}
              onChange={(e) => setParams({ overdue: e.target.checked ? 'true' : '' })}
            />{' '}
            {t('filters.overdue')}
          </label>
        </div>
        <button type="button" className="secondary" onClick={() => navigate('/commitments')}>
          {t('common:actions.reset')}
        </button>
      </form>
      <QueryView query={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t('common:state.empty')}</p>
          ) : (
            <>
              <table data-testid="commitments">
                <thead>
                  <tr>
                    <th scope="col">{t('columns.title')}</th>
                    <th scope="col">{t('columns.domain')}</th>
                    <th scope="col">{t('columns.party')}</th>
                    <th scope="col">{t('columns.status')}</th>
                    <th scope="col">{t('columns.progress')}</th>
                    <th scope="col">{t('columns.due')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.id} data-id={c.id}>
                      <td>
                        <Link href={`/commitments/${c.id}`}>{c.title}</Link>
                      </td>
                      <td>{c.domain}</td>
                      <td>{c.proposingParty}</td>
                      <td>
                        <StatusBadge status={c.status} />
                        {c.overdue && <span className="badge badge-rejected"> {t('overdue')}</span>}
                      </td>
                      <td>{format.percent(c.progress)}</td>
                      <td>{format.date(c.dueDate)}</td>
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
