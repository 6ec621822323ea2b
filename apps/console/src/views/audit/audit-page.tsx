import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, ApiProblem, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { usePageTitle } from '../../components/page-title';
import { Pager } from '../../components/pager';
import { ProblemMessage } from '../../components/problem-message';
import { QueryView } from '../../components/query-view';
import { useCommand } from '../../components/use-command';
import { useFormat } from '../../i18n/format';
import './audit.css';

type Checkpoint = Schemas['CheckpointDto'];

/** The integrity indicator of the public health check: up while every audit read found what the hashes say. */
function VerifyStatus() {
  const { t } = useTranslation('audit');
  const health = useQuery({ queryKey: ['health'], queryFn: () => unwrap(api.GET('/health')) });
  return (
    <section className="card" aria-labelledby="verify">
      <h2 id="verify">{t('verify.title')}</h2>
      <QueryView query={health}>
        {(data) => {
          const integrity = data.details.integrity;
          const ok = integrity?.status === 'up';
          const details = Object.entries(integrity ?? {}).filter(([name]) => name !== 'status');
          return (
            <div data-testid="verify-status" data-status={ok ? 'ok' : 'down'}>
              <p className={ok ? 'integrity-ok' : 'integrity-bad'}>
                <span aria-hidden="true">{ok ? '✔ ' : '✖ '}</span>
                {ok ? t('verify.ok') : t('verify.down')}
              </p>
              <p className="muted">{t('verify.overall', { status: data.status })}</p>
              {details.length > 0 && (
                <pre className="note" data-testid="verify-details">
                  {JSON.stringify(Object.fromEntries(details), null, 2)}
                </pre>
              )}
            </div>
          );
        }}
      </QueryView>
    </section>
  );
}

function Digest() {
  const { t } = useTranslation('audit');
  const format = useFormat();
  const digest = useQuery({ queryKey: ['audit-digest'], queryFn: () => unwrap(api.GET('/audit/digest')) });
  return (
    <section className="card" aria-labelledby="digest">
      <h2 id="digest">{t('digest.title')}</h2>
      <QueryView query={digest}>
        {(data) => (
          <dl className="facts" data-testid="digest">
            <dt>{t('digest.position')}</dt>
            <dd data-testid="digest-position">{format.number(data.position)}</dd>
            <dt>{t('digest.count')}</dt>
            <dd data-testid="digest-count">{format.number(data.count)}</dd>
            <dt>{t('digest.digest')}</dt>
            <dd data-testid="digest-value">
              <bdi dir="ltr" className="mono hash">
                {data.digest}
              </bdi>
            </dd>
          </dl>
        )}
      </QueryView>
    </section>
  );
}

function CheckpointDetails({ checkpoint }: { checkpoint: Checkpoint }) {
  const { t } = useTranslation('audit');
  const format = useFormat();
  return (
    <div data-testid="checkpoint" data-tree-size={checkpoint.treeSize}>
      <dl className="facts">
        <dt>{t('checkpoint.treeSize')}</dt>
        <dd data-testid="checkpoint-tree-size">{format.number(checkpoint.treeSize)}</dd>
        <dt>{t('checkpoint.position')}</dt>
        <dd>{format.number(checkpoint.position)}</dd>
        <dt>{t('checkpoint.rootHash')}</dt>
        <dd>
          <bdi dir="ltr" className="mono hash">
            {checkpoint.rootHash}
          </bdi>
        </dd>
        <dt>{t('checkpoint.createdAt')}</dt>
        <dd>
          <time dateTime={checkpoint.createdAt}>{format.dateTime(checkpoint.createdAt)}</time>
        </dd>
      </dl>
      <h3>{t('checkpoint.note')}</h3>
      <pre className="note" data-testid="checkpoint-note">
        {checkpoint.note}
      </pre>
      <h3>{t('checkpoint.cosignatures')}</h3>
      {checkpoint.cosignatures.length === 0 ? (
        <p className="muted">{t('checkpoint.noCosignatures')}</p>
      ) : (
        <table data-testid="cosignatures">
          <thead>
            <tr>
              <th scope="col">{t('checkpoint.party')}</th>
              <th scope="col">{t('checkpoint.witness')}</th>
              <th scope="col">{t('checkpoint.keyId')}</th>
              <th scope="col">{t('checkpoint.cosignedAt')}</th>
              <th scope="col">{t('checkpoint.receivedAt')}</th>
            </tr>
          </thead>
          <tbody>
            {checkpoint.cosignatures.map((c) => (
              <tr key={c.keyId}>
                <td>{c.party}</td>
                <td>{c.witness}</td>
                <td className="mono">{c.keyId}</td>
                <td>{format.dateTime(new Date(c.timestamp * 1000))}</td>
                <td>{format.dateTime(c.receivedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('checkpoint.agreements')}</h3>
      {checkpoint.agreements.length === 0 ? (
        <p className="muted">{t('checkpoint.noAgreements')}</p>
      ) : (
        <table data-testid="checkpoint-agreements">
          <thead>
            <tr>
              <th scope="col">{t('checkpoint.agreement')}</th>
              <th scope="col">{t('checkpoint.parties')}</th>
              <th scope="col">{t('checkpoint.cosignedBy')}</th>
              <th scope="col">{t('checkpoint.cosignedByAll')}</th>
            </tr>
          </thead>
          <tbody>
            {checkpoint.agreements.map((a) => (
              <tr key={a.agreementId}>
                <td>{a.title}</td>
                <td>{a.parties.join(', ')}</td>
                <td>{a.cosignedBy.length > 0 ? a.cosignedBy.join(', ') : t('checkpoint.nobody')}</td>
                <td data-all={a.cosignedByAll ? 'yes' : 'no'}>
                  {a.cosignedByAll ? t('checkpoint.yes') : t('checkpoint.no')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function LatestCheckpoint() {
  const { t } = useTranslation('audit');
  const { can } = useSession();
  const latest = useQuery({
    queryKey: ['audit-checkpoint'],
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/audit/checkpoint'));
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 404) return null;
        throw error;
      }
    },
  });
  const sign = useCommand(() => unwrap(api.POST('/audit/checkpoints')));
  return (
    <section className="card" aria-labelledby="latest">
      <h2 id="latest">{t('checkpoint.title')}</h2>
      {can('admin') && (
        <div className="toolbar">
          <button
            type="button"
            onClick={() => sign.mutate(undefined)}
            disabled={sign.isPending}
            data-testid="sign-checkpoint"
          >
            {sign.isPending ? t('checkpoint.signing') : t('checkpoint.sign')}
          </button>
          {sign.isSuccess && (
            <p role="status" className="integrity-ok">
              {t('checkpoint.signed', { size: sign.data.treeSize })}
            </p>
          )}
          <ProblemMessage error={sign.error} />
        </div>
      )}
      <QueryView query={latest}>
        {(checkpoint) =>
          checkpoint ? (
            <CheckpointDetails checkpoint={checkpoint} />
          ) : (
            <p className="muted" data-testid="no-checkpoint">
              {t('checkpoint.none')}
            </p>
          )
        }
      </QueryView>
    </section>
  );
}

function History() {
  const { t } = useTranslation(['audit', 'common']);
  const format = useFormat();
  const [cursors, setCursors] = useState<string[]>([]);
  const before = cursors.at(-1);
  const history = useQuery({
    queryKey: ['audit-checkpoints', before ?? null],
    queryFn: () =>
      unwrap(
        api.GET('/audit/checkpoints', {
          params: { query: { limit: 20, ...(before ? { before: Number(before) } : {}) } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="card" aria-labelledby="history">
      <h2 id="history">{t('history.title')}</h2>
      <QueryView query={history}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">{t('common:state.empty')}</p>
          ) : (
            <>
              <figure className="chart" data-testid="history-chart">
                <figcaption>{t('history.chart')}</figcaption>
                <div className="chart-drawing" aria-hidden="true">
                  <ResponsiveContainer width="100%" height={220}>
                    <LineChart
                      accessibilityLayer={false}
                      data={[...page.items].reverse().map((c) => ({
                        at: format.dateTime(c.createdAt),
                        treeSize: c.treeSize,
                      }))}
                    >
                      <CartesianGrid strokeDasharray="3 3" />
                      <XAxis dataKey="at" />
                      <YAxis allowDecimals={false} />
                      <Tooltip />
                      <Line type="stepAfter" dataKey="treeSize" name={t('checkpoint.treeSize')} stroke="#0b5394" />
                    </LineChart>
                  </ResponsiveContainer>
                </div>
                <p className="muted">{t('history.chartText')}</p>
              </figure>
              <table data-testid="history">
                <caption className="visually-hidden">{t('history.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('checkpoint.treeSize')}</th>
                    <th scope="col">{t('checkpoint.createdAt')}</th>
                    <th scope="col">{t('checkpoint.rootHash')}</th>
                    <th scope="col">{t('checkpoint.cosignatures')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.treeSize}>
                      <th scope="row">{format.number(c.treeSize)}</th>
                      <td>
                        <time dateTime={c.createdAt}>{format.dateTime(c.createdAt)}</time>
                      </td>
                      <td>
                        <bdi dir="ltr" className="mono hash">
                          {c.rootHash}
                        </bdi>
                      </td>
                      <td>{format.number(c.cosignatures.length)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager
                cursors={cursors}
                nextCursor={page.nextBefore === null ? null : String(page.nextBefore)}
                onChange={setCursors}
              />
            </>
          )
        }
      </QueryView>
    </section>
  );
}

/** What an auditor checks: the instance's integrity status, the running digest, the signed checkpoints. */
export function AuditPage() {
  const { t } = useTranslation('audit');
  usePageTitle(t('title'));
  const digest = useQuery({ queryKey: ['audit-digest'], queryFn: () => unwrap(api.GET('/audit/digest')) });
  return (
    <>
      <h1>{t('title')}</h1>
      {digest.isError ? (
        <ProblemMessage error={digest.error} />
      ) : (
        <>
          <div className="grid">
            <VerifyStatus />
            <Digest />
          </div>
          <LatestCheckpoint />
          <History />
        </>
      )}
    </>
  );
}
