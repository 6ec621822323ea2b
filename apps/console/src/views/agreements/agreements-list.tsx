import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { api, unwrap } from '../../api/client';
import { usePageTitle } from '../../components/page-title';
import { Pager } from '../../components/pager';
import { QueryView } from '../../components/query-view';
import { useFormat } from '../../i18n/format';
import './agreements.css';

/** Every agreement the key may read, a page at a time (cursor paging). */
export function AgreementsList() {
  const { t } = useTranslation(['agreements', 'common']);
  const format = useFormat();
  usePageTitle(t('list.title'));
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = useQuery({
    queryKey: ['agreements', cursor ?? null],
    queryFn: () => unwrap(api.GET('/agreements', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <h1>{t('list.title')}</h1>
      <QueryView query={query}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">{t('common:state.empty')}</p>
          ) : (
            <>
              <table data-testid="agreements">
                <caption className="visually-hidden">{t('list.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('fields.title')}</th>
                    <th scope="col">{t('fields.signed')}</th>
                    <th scope="col">{t('fields.parties')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((agreement) => (
                    <tr key={agreement.id}>
                      <td>
                        <Link href={`/agreements/${agreement.id}`}>{agreement.title}</Link>
                      </td>
                      <td>
                        {t('list.signedAtIn', { date: format.date(agreement.signedAt), place: agreement.signedIn })}
                      </td>
                      <td>{agreement.parties.map((party) => `${party.name} (${party.code})`).join(' · ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager cursors={cursors} nextCursor={page.nextCursor} onChange={setCursors} />
            </>
          )
        }
      </QueryView>
    </>
  );
}
