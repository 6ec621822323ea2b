import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Link } from 'wouter';
import type { Schemas } from '../../api/client';
import { useFormat } from '../../i18n/format';

export type Count = Schemas['DashboardCountDto'];
export type Status = Count['status'];

/** The statuses in the order of a commitment's life; colours repeat the legend's words, never replace them. */
export const STATUSES: Status[] = [
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
const COLOURS: Record<Status, string> = {
  proposed: '#6b7785',
  under_review: '#a86400',
  changes_requested: '#7a4d00',
  approved: '#0b5394',
  in_progress: '#3d85c6',
  completed: '#1d6b34',
  evaluated: '#38a169',
  suspended: '#c0392b',
  rejected: '#a4161a',
  withdrawn: '#8e44ad',
  closed: '#274e13',
};
/** Under way or done: the share a domain's progress chart shows. */
const ADVANCED: Status[] = ['in_progress', 'completed', 'evaluated', 'closed'];

export function commitmentsHref(agreementId: string, filter: { status?: string; domain?: string; party?: string }) {
  const params = new URLSearchParams({ agreementId });
  for (const [name, value] of Object.entries(filter)) if (value) params.set(name, value);
  return `/commitments?${params.toString()}`;
}

/** A chart and its words: the figure's caption, the drawing (hidden from screen readers), its data as a table. */
function ChartFigure({
  id,
  caption,
  chart,
  table,
}: {
  id: string;
  caption: string;
  chart: ReactNode;
  table: ReactNode;
}) {
  const { t } = useTranslation('agreements');
  return (
    <figure className={`card chart chart-${id}`} data-testid={id}>
      <figcaption>{caption}</figcaption>
      <div className="chart-drawing" aria-hidden="true">
        {chart}
      </div>
      <details>
        <summary>{t('dashboard.showData')}</summary>
        {table}
      </details>
    </figure>
  );
}

function domainsOf(counts: Count[], domains: string[]): string[] {
  return [...new Set([...domains, ...counts.map((c) => c.domain)])];
}

export function ByDomainChart({
  agreementId,
  counts,
  domains,
}: {
  agreementId: string;
  counts: Count[];
  domains: string[];
}) {
  const { t } = useTranslation(['agreements', 'common']);
  const format = useFormat();
  const all = domainsOf(counts, domains);
  const present = STATUSES.filter((status) => counts.some((c) => c.status === status));
  const cell = (domain: string, status: Status) =>
    counts.filter((c) => c.domain === domain && c.status === status).reduce((sum, c) => sum + c.count, 0);
  const rows = all.map((domain) => ({
    domain,
    ...Object.fromEntries(present.map((status) => [status, cell(domain, status)])),
  }));
  return (
    <ChartFigure
      id="chart-by-domain"
      caption={t('dashboard.byDomain')}
      chart={
        <ResponsiveContainer width="100%" height={280}>
          <BarChart data={rows} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="domain" interval={0} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            {present.map((status) => (
              <Bar
                key={status}
                dataKey={status}
                stackId="status"
                name={t(`common:status.${status}`)}
                fill={COLOURS[status]}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      }
      table={
        <table data-testid="by-domain-table">
          <thead>
            <tr>
              <th scope="col">{t('fields.domain')}</th>
              {present.map((status) => (
                <th scope="col" key={status}>
                  {t(`common:status.${status}`)}
                </th>
              ))}
              <th scope="col">{t('dashboard.total')}</th>
            </tr>
          </thead>
          <tbody>
            {all.map((domain) => (
              <tr key={domain}>
                <th scope="row">{domain}</th>
                {present.map((status) => {
                  const n = cell(domain, status);
                  return (
                    <td key={status} data-cell={`${domain}:${status}`}>
                      {n > 0 ? (
                        <Link href={commitmentsHref(agreementId, { status, domain })}>{format.number(n)}</Link>
                      ) : (
                        format.number(0)
                      )}
                    </td>
                  );
                })}
                <td data-cell={`${domain}:total`}>
                  <Link href={commitmentsHref(agreementId, { domain })}>
                    {format.number(present.reduce((sum, status) => sum + cell(domain, status), 0))}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

export function ByPartyChart({
  agreementId,
  counts,
  parties,
}: {
  agreementId: string;
  counts: Count[];
  parties: string[];
}) {
  const { t } = useTranslation('agreements');
  const format = useFormat();
  const rows = [...new Set([...parties, ...counts.map((c) => c.party)])].map((party) => ({
    party,
    count: counts.filter((c) => c.party === party).reduce((sum, c) => sum + c.count, 0),
  }));
  return (
    <ChartFigure
      id="chart-by-party"
      caption={t('dashboard.byParty')}
      chart={
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={rows} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="party" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="count" name={t('dashboard.commitments')} fill="#0b5394" />
          </BarChart>
        </ResponsiveContainer>
      }
      table={
        <table data-testid="by-party-table">
          <thead>
            <tr>
              <th scope="col">{t('fields.party')}</th>
              <th scope="col">{t('dashboard.commitments')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.party}>
                <th scope="row">{row.party}</th>
                <td data-cell={`${row.party}:total`}>
                  <Link href={commitmentsHref(agreementId, { party: row.party })}>{format.number(row.count)}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

export function ProgressChart({ counts, domains }: { counts: Count[]; domains: string[] }) {
  const { t } = useTranslation('agreements');
  const format = useFormat();
  const rows = domainsOf(counts, domains).map((domain) => {
    const inDomain = counts.filter((c) => c.domain === domain && c.status !== 'withdrawn' && c.status !== 'rejected');
    const total = inDomain.reduce((sum, c) => sum + c.count, 0);
    const advanced = inDomain.filter((c) => ADVANCED.includes(c.status)).reduce((sum, c) => sum + c.count, 0);
    return { domain, total, advanced, percent: total === 0 ? 0 : Math.round((advanced / total) * 100) };
  });
  return (
    <ChartFigure
      id="chart-progress"
      caption={t('dashboard.progress')}
      chart={
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={rows} layout="vertical" accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" domain={[0, 100]} unit="%" />
            <YAxis type="category" dataKey="domain" width={170} />
            <Tooltip />
            <Bar dataKey="percent" name={t('dashboard.advancedShare')} fill="#1d6b34" />
          </BarChart>
        </ResponsiveContainer>
      }
      table={
        <table data-testid="progress-table">
          <thead>
            <tr>
              <th scope="col">{t('fields.domain')}</th>
              <th scope="col">{t('dashboard.advanced')}</th>
              <th scope="col">{t('dashboard.active')}</th>
              <th scope="col">{t('dashboard.advancedShare')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.domain}>
                <th scope="row">{row.domain}</th>
                <td>{format.number(row.advanced)}</td>
                <td>{format.number(row.total)}</td>
                <td data-cell={`${row.domain}:percent`}>{format.percent(row.percent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}
