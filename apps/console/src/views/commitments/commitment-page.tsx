import { useQuery } from '@tanstack/react-query';
import diff from 'microdiff';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { IntegrityMark, type ChainIntegrity } from '../../components/integrity-mark';
import { usePageTitle } from '../../components/page-title';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useFormat } from '../../i18n/format';
import './commitments.css';

type AuditedEvent = Schemas['AuditedCommitmentEventDto'];
type HistoryEntry = Schemas['CommitmentHistoryEntryDto'];

/** Every page of a stream's events or history (a commitment has tens of events, not thousands). */
async function allPages<T>(read: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string | null }>) {
  const items: T[] = [];
  for (let cursor: string | undefined; ;) {
    const page = await read(cursor);
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
}

function show(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function CommitmentPage({ id }: { id: string }) {
  const { t } = useTranslation(['commitments', 'common']);
  const format = useFormat();
  const { can } = useSession();
  const auditor = can('auditor');
  const commitment = useQuery({
    queryKey: ['commitment', id],
    queryFn: () => unwrap(api.GET('/commitments/{id}', { params: { path: { id } } })),
  });
  usePageTitle(commitment.data?.title ?? t('title'));
  const events = useQuery({
    queryKey: ['commitment-events', id],
    enabled: auditor,
    queryFn: () =>
      allPages<AuditedEvent>((cursor) =>
        unwrap(api.GET('/commitments/{id}/events', { params: { path: { id }, query: { limit: 100, cursor } } })),
      ),
  });
  const history = useQuery({
    queryKey: ['commitment-history', id],
    queryFn: () =>
      allPages<HistoryEntry>((cursor) =>
        unwrap(api.GET('/commitments/{id}/history', { params: { path: { id }, query: { limit: 100, cursor } } })),
      ),
  });
  const [downloading, setDownloading] = useState(false);
  async function download() {
    setDownloading(true);
    try {
      const lines = (auditor ? (events.data ?? []) : (history.data ?? [])).map((e) => JSON.stringify(e));
      const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `commitment-${id}.ndjson`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      setDownloading(false);
    }
  }
  return (
    <QueryView query={commitment}>
      {(c) => (
        <article>
          <header className="commitment-head">
            <h1>{c.title}</h1>
            <div data-testid="commitment-status">
              <StatusBadge status={c.status} />
              {c.overdue && <span className="badge badge-rejected">{t('overdue')}</span>}
            </div>
          </header>
          <p>{c.description}</p>
          <div className="grid">
            <section className="card">
              <dl className="facts">
                <dt>{t('facts.agreement')}</dt>
                <dd>
                  <Link href={`/agreements/${c.agreementId}`}>{c.agreementId.slice(0, 8)}</Link>
                </dd>
                <dt>{t('facts.party')}</dt>
                <dd>{c.proposingParty}</dd>
                <dt>{t('facts.domain')}</dt>
                <dd>{c.domain}</dd>
                <dt>{t('facts.agencies')}</dt>
                <dd>{c.leadAgencies.join(', ')}</dd>
                <dt>{t('facts.priority')}</dt>
                <dd>{t(`common:priority.${c.priority}`)}</dd>
                <dt>{t('facts.due')}</dt>
                <dd>{format.date(c.dueDate)}</dd>
                <dt>{t('facts.progress')}</dt>
                <dd>
                  <progress max={100} value={c.progress} aria-label={t('facts.progress')} />{' '}
                  {format.percent(c.progress)}
                </dd>
                {c.review && (
                  <>
                    <dt>{t('facts.review')}</dt>
                    <dd>{t(`common:outcome.${c.review.decision}`)}</dd>
                  </>
                )}
                {c.evaluation && (
                  <>
                    <dt>{t('facts.evaluation')}</dt>
                    <dd>{t(`common:outcome.${c.evaluation.outcome}`)}</dd>
                  </>
                )}
                <dt>{t('facts.revision')}</dt>
                <dd>{format.number(c.revision)}</dd>
              </dl>
            </section>
            <section className="card" aria-labelledby="evidence">
              <h2 id="evidence">{t('evidence')}</h2>
              {c.evidence.length === 0 ? (
                <p className="muted">{t('noEvidence')}</p>
              ) : (
                <ul>
                  {c.evidence.map((e) => (
                    <li key={`${e.revision}-${e.uri}`}>
                      <a href={e.uri} target="_blank" rel="noopener noreferrer">
                        {e.title}
                      </a>{' '}
                      <span className="muted">({format.date(e.reportedAt)})</span>
                    </li>
                  ))}
                </ul>
              )}
              <button type="button" onClick={() => void download()} disabled={downloading || history.isPending}>
                {downloading ? t('downloading') : t('download')}
              </button>
            </section>
          </div>
          {auditor ? (
            <QueryView query={events}>{(all) => <Revisions id={id} events={all} />}</QueryView>
          ) : (
            <p className="muted">{t('stateOnlyAuditors')}</p>
          )}
          <section aria-labelledby="timeline">
            <h2 id="timeline">{t('timeline')}</h2>
            <QueryView query={history}>
              {(entries) => <Timeline entries={entries} events={auditor ? events.data : undefined} />}
            </QueryView>
          </section>
        </article>
      )}
    </QueryView>
  );
}

function Timeline({ entries, events }: { entries: HistoryEntry[]; events?: AuditedEvent[] }) {
  const { t } = useTranslation(['commitments', 'common']);
  const format = useFormat();
  const byRevision = new Map((events ?? []).map((e) => [e.revision, e]));
  return (
    <ol className="timeline" data-testid="timeline">
      {entries.map((entry) => {
        const event = byRevision.get(entry.revision);
        return (
          <li key={entry.revision} data-revision={entry.revision}>
            <p>
              <strong>{entry.summary}</strong> <span className="muted mono">{entry.type}</span>
            </p>
            <p className="muted">
              {format.dateTime(entry.occurredAt)}
              {entry.actor && (
                <>
                  {' · '}
                  {t(`common:roles.${entry.actor.role}`)}
                  {entry.actor.party ? ` · ${entry.actor.party}` : ''} · <bdi className="mono">{entry.actor.id}</bdi>
                </>
              )}
            </p>
            {event && (
              <p className="muted">
                {t('command')}: <bdi className="mono">{event.metadata.commandId}</bdi> · {t('correlation')}:{' '}
                <bdi className="mono">{event.metadata.correlationId}</bdi>
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** The state at any revision (GET …/state?revision=), the diff to the one before, the raw event and its mark. */
function Revisions({ id, events }: { id: string; events: AuditedEvent[] }) {
  const { t } = useTranslation(['commitments', 'common']);
  const last = events.length - 1;
  const [revision, setRevision] = useState(last);
  const state = useQuery({
    queryKey: ['commitment-state', id, revision],
    queryFn: () => unwrap(api.GET('/commitments/{id}/state', { params: { path: { id }, query: { revision } } })),
  });
  const before = useQuery({
    queryKey: ['commitment-state', id, revision - 1],
    enabled: revision > 0,
    queryFn: () =>
      unwrap(api.GET('/commitments/{id}/state', { params: { path: { id }, query: { revision: revision - 1 } } })),
  });
  const event = events[revision];
  const ignored = new Set(['revision', 'position', 'updatedAt', 'asOfRevision']);
  const changes =
    revision > 0 && state.data && before.data
      ? diff(before.data as Record<string, unknown>, state.data as Record<string, unknown>).filter(
          (d) => !ignored.has(String(d.path[0])),
        )
      : [];
  return (
    <section className="card" aria-labelledby="state-at">
      <h2 id="state-at">{t('stateAt')}</h2>
      <div className="toolbar">
        <button type="button" disabled={revision <= 0} onClick={() => setRevision(revision - 1)}>
          {t('common:actions.previous')}
        </button>
        <label htmlFor="revision">{t('revision')}</label>
        <input
          id="revision"
          type="range"
          min={0}
          max={last}
          value={revision}
          onChange={(e) => setRevision(Number(e.target.value))}
          aria-valuetext={t('revisionOf', { revision, last })}
        />
        <output htmlFor="revision" data-testid="revision">
          {t('revisionOf', { revision, last })}
        </output>
        <button type="button" disabled={revision >= last} onClick={() => setRevision(revision + 1)}>
          {t('common:actions.next')}
        </button>
      </div>
      <p>
        <strong data-testid="event-type">{event.type}</strong>
      </p>
      <h3>{t('diff')}</h3>
      {revision === 0 ? (
        <p className="muted">{t('diffNone')}</p>
      ) : (
        <table data-testid="diff">
          <thead>
            <tr>
              <th scope="col">{t('field')}</th>
              <th scope="col">{t('change')}</th>
              <th scope="col">{t('before')}</th>
              <th scope="col">{t('after')}</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((d) => (
              <tr key={`${d.type}-${d.path.join('.')}`} data-field={d.path.join('.')}>
                <th scope="row" className="mono">
                  {d.path.join('.')}
                </th>
                <td>{t(`changeKind.${d.type}`)}</td>
                <td className="mono">{d.type === 'CREATE' ? '—' : show(d.oldValue)}</td>
                <td className="mono">{d.type === 'REMOVE' ? '—' : show('value' in d ? d.value : undefined)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('integrity')}</h3>
      <IntegrityMark eventId={event.id} chain={event.integrity as ChainIntegrity} />
      <h3>{t('rawEvent')}</h3>
      <pre data-testid="raw-event">
        {JSON.stringify(
          {
            id: event.id,
            type: event.type,
            revision: event.revision,
            position: event.position,
            data: event.data,
            metadata: event.metadata,
          },
          null,
          2,
        )}
      </pre>
    </section>
  );
}
