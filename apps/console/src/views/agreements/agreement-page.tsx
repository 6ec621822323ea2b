import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { usePageTitle } from '../../components/page-title';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useFormat } from '../../i18n/format';
import { ByDomainChart, ByPartyChart, ProgressChart } from './dashboard-charts';
import './agreements.css';

type Agreement = Schemas['AgreementViewDto'];
type Dashboard = Schemas['DashboardDto'];

/**
 * Where the as-of slider starts: the agreement's registration (its first event, for a key that
 * may read the raw events), otherwise just before its first commitment was proposed.
 */
function useStart(id: string) {
  const { can } = useSession();
  const auditor = can('auditor');
  return useQuery({
    queryKey: ['agreement-start', id, auditor],
    queryFn: async (): Promise<number | null> => {
      if (auditor) {
        const page = await unwrap(
          api.GET('/agreements/{id}/events', { params: { path: { id }, query: { limit: 1 } } }),
        );
        const first = page.items[0];
        return first ? Date.parse(first.metadata.occurredAt ?? first.recordedAt) : null;
      }
      const page = await unwrap(
        api.GET('/commitments', { params: { query: { agreementId: id, sort: 'createdAt', limit: 1 } } }),
      );
      const first = page.items[0];
      return first ? Date.parse(first.createdAt) - 1 : null;
    },
    staleTime: Infinity,
  });
}

function AsOfControl({
  start,
  now,
  asOf,
  onChange,
  onNow,
}: {
  start: number;
  now: number;
  asOf: number | null;
  onChange(ms: number): void;
  onNow(): void;
}) {
  const { t } = useTranslation('agreements');
  const format = useFormat();
  const sliderId = useId();
  const outputId = useId();
  const span = Math.max(now - start, 1);
  const step = Math.max(1, Math.round(span / 1000));
  const value = asOf ?? now;
  return (
    <div className="card as-of">
      <div className="as-of-row">
        <label htmlFor={sliderId}>{t('asOf.label')}</label>
        <input
          id={sliderId}
          type="range"
          min={start}
          max={now}
          step={step}
          value={value}
          aria-valuetext={format.dateTime(new Date(value))}
          aria-describedby={outputId}
          onChange={(event) => onChange(Number(event.target.value))}
          data-testid="as-of-slider"
        />
        <output id={outputId} htmlFor={sliderId} data-testid="as-of-output">
          {format.dateTime(new Date(value))}
        </output>
        <button type="button" className="secondary" onClick={onNow} disabled={asOf === null} data-testid="as-of-now">
          {t('asOf.now')}
        </button>
      </div>
      <p className="muted as-of-span">
        {t('asOf.span', { from: format.dateTime(new Date(start)), to: format.dateTime(new Date(now)) })}
      </p>
    </div>
  );
}

function Facts({ agreement }: { agreement: Agreement }) {
  const { t } = useTranslation('agreements');
  const format = useFormat();
  return (
    <div className="grid">
      <section className="card" aria-labelledby="signature">
        <h2 id="signature">{t('overview.signature')}</h2>
        <dl className="facts">
          <dt>{t('fields.signedAt')}</dt>
          <dd>{format.date(agreement.signedAt)}</dd>
          <dt>{t('fields.signedIn')}</dt>
          <dd>{agreement.signedIn}</dd>
          <dt>{t('fields.revision')}</dt>
          <dd>{format.number(agreement.revision)}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="parties">
        <h2 id="parties">{t('fields.parties')}</h2>
        <ul className="parties" data-testid="parties">
          {agreement.parties.map((party) => (
            <li key={party.code}>
              <strong>{party.name}</strong> <span className="mono">({party.code})</span>
              <div className="muted">
                {t('overview.agencies')}: {party.agencies.join(', ') || t('common:state.none')}
              </div>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="domains">
        <h2 id="domains">{t('fields.domains')}</h2>
        <ul className="domains" data-testid="domains">
          {agreement.domains.map((domain) => (
            <li key={domain}>{domain}</li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function DashboardView({ agreement, dashboard }: { agreement: Agreement; dashboard: Dashboard }) {
  const { t } = useTranslation(['agreements', 'common']);
  const format = useFormat();
  const total = dashboard.counts.reduce((sum, c) => sum + c.count, 0);
  const awaited = Object.entries(dashboard.awaitingPositions).flatMap(([party, items]) =>
    items.map((item) => ({ party, ...item })),
  );
  return (
    <>
      <p data-testid="total">{t('dashboard.totalCount', { total: format.number(total) })}</p>
      <div className="charts">
        <ByDomainChart agreementId={agreement.id} counts={dashboard.counts} domains={agreement.domains} />
        <ByPartyChart
          agreementId={agreement.id}
          counts={dashboard.counts}
          parties={agreement.parties.map((p) => p.code)}
        />
        <ProgressChart counts={dashboard.counts} domains={agreement.domains} />
      </div>
      <h3>{t('dashboard.overdue')}</h3>
      {dashboard.overdue.length === 0 ? (
        <p className="muted" data-testid="overdue-none">
          {t('dashboard.noOverdue')}
        </p>
      ) : (
        <table data-testid="overdue">
          <thead>
            <tr>
              <th scope="col">{t('fields.title')}</th>
              <th scope="col">{t('fields.domain')}</th>
              <th scope="col">{t('fields.party')}</th>
              <th scope="col">{t('fields.dueDate')}</th>
              <th scope="col">{t('fields.status')}</th>
            </tr>
          </thead>
          <tbody>
            {dashboard.overdue.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link href={`/commitments/${c.id}`}>{c.title}</Link>
                </td>
                <td>{c.domain}</td>
                <td>{c.party}</td>
                <td>{format.date(c.dueDate)}</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('dashboard.awaited')}</h3>
      {awaited.length === 0 ? (
        <p className="muted" data-testid="awaited-none">
          {t('dashboard.noAwaited')}
        </p>
      ) : (
        <table data-testid="awaited">
          <thead>
            <tr>
              <th scope="col">{t('fields.party')}</th>
              <th scope="col">{t('fields.session')}</th>
              <th scope="col">{t('fields.commitment')}</th>
              <th scope="col">{t('fields.kind')}</th>
            </tr>
          </thead>
          <tbody>
            {awaited.map((item) => (
              <tr key={`${item.party}:${item.itemId}`}>
                <td>{item.party}</td>
                <td>
                  <Link href={`/sessions/${item.sessionId}`}>{t('dashboard.openSession')}</Link>
                </td>
                <td>
                  <Link href={`/commitments/${item.commitmentId}`}>{t('dashboard.openCommitment')}</Link>
                </td>
                <td>{t(`common:kind.${item.kind}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Overview({ agreement }: { agreement: Agreement }) {
  const { t } = useTranslation('agreements');
  const format = useFormat();
  const start = useStart(agreement.id);
  const [now, setNow] = useState(() => Date.now());
  const [asOf, setAsOf] = useState<number | null>(null);
  const asOfIso = asOf === null ? null : new Date(asOf).toISOString();
  const dashboard = useQuery({
    queryKey: ['dashboard', agreement.id, asOfIso],
    queryFn: () =>
      unwrap(
        api.GET('/agreements/{id}/dashboard', {
          params: { path: { id: agreement.id }, query: asOfIso ? { asOf: asOfIso } : {} },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <Facts agreement={agreement} />
      <section aria-labelledby="dashboard">
        <h2 id="dashboard">{t('dashboard.title')}</h2>
        {typeof start.data === 'number' && (
          <AsOfControl
            start={start.data}
            now={now}
            asOf={asOf}
            onChange={(ms) => setAsOf(Math.max(ms, start.data ?? ms))}
            onNow={() => {
              setNow(Date.now());
              setAsOf(null);
            }}
          />
        )}
        <p className="as-of-line" role="status" data-testid="as-of" data-live={asOf === null ? 'yes' : 'no'}>
          {dashboard.data?.asOf ? (
            <>
              {t('asOf.at')} <time dateTime={dashboard.data.asOf}>{format.dateTime(dashboard.data.asOf)}</time>{' '}
              <span className="mono">({dashboard.data.asOf})</span>
            </>
          ) : (
            t('asOf.live')
          )}
        </p>
        <QueryView query={dashboard}>
          {(data) => (
            <div aria-busy={dashboard.isFetching} data-testid="dashboard" data-as-of={data.asOf ?? 'live'}>
              <DashboardView agreement={agreement} dashboard={data} />
            </div>
          )}
        </QueryView>
      </section>
    </>
  );
}

/** One agreement: its signature, parties and domains, and its dashboard, live or as it stood at an instant. */
export function AgreementPage({ id }: { id: string }) {
  const { t } = useTranslation('agreements');
  const query = useQuery({
    queryKey: ['agreement', id],
    queryFn: () => unwrap(api.GET('/agreements/{id}', { params: { path: { id } } })),
  });
  usePageTitle(query.data?.title ?? t('overview.title'));
  return (
    <QueryView query={query}>
      {(agreement) => (
        <>
          <p className="muted">
            <Link href="/agreements">{t('list.title')}</Link>
          </p>
          <h1>{agreement.title}</h1>
          <Overview agreement={agreement} />
        </>
      )}
    </QueryView>
  );
}
