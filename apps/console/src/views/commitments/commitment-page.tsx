import { useQuery } from '@tanstack/react-query';
import diff from 'microdiff';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { IntegrityMark } from '../../components/integrity-mark';
import { usePageTitle } from '../../components/page-title';
import { ProblemMessage } from '../../components/problem-message';
import { QueryView } from '../../components/query-view';
import { StatusBadge } from '../../components/status-badge';
import { useFormat, type Format } from '../../i18n/format';
import './commitments.css';

type AuditedEvent = Schemas['AuditedCommitmentEventDto'];
type HistoryEntry = Schemas['CommitmentHistoryEntryDto'];
type Commitment = Schemas['CommitmentViewDto'];
type TFunction = ReturnType<typeof useTranslation>['t'];

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

const readEvents = (id: string) =>
  allPages<AuditedEvent>((cursor) =>
    unwrap(api.GET('/commitments/{id}/events', { params: { path: { id }, query: { limit: 100, cursor } } })),
  );
const readHistory = (id: string) =>
  allPages<HistoryEntry>((cursor) =>
    unwrap(api.GET('/commitments/{id}/history', { params: { path: { id }, query: { limit: 100, cursor } } })),
  );

/** A raw value as JSON text (strings bare), for the diff and the changes. */
function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A changed field's value in words: statuses, priorities and outcomes translated, dates through Intl. */
function showField(field: string, value: unknown, t: TFunction, format: Format): string {
  if (value === null || value === undefined) return '—';
  if (field === 'status') return t(`common:status.${String(value)}`, { defaultValue: String(value) });
  if (field === 'priority') return t(`common:priority.${String(value)}`, { defaultValue: String(value) });
  if (field === 'outcome') return t(`common:outcome.${String(value)}`, { defaultValue: String(value) });
  if (field === 'dueDate') return format.date(String(value));
  if (field === 'progress' && typeof value === 'number') return format.percent(value);
  if (field === 'overdue') return t(value ? 'yes' : 'no');
  if (Array.isArray(value)) return value.join(', ');
  return show(value);
}

export function CommitmentPage({ id }: { id: string }) {
  const { t } = useTranslation(['commitments', 'common']);
  const { can } = useSession();
  const auditor = can('auditor');
  const commitment = useQuery({
    queryKey: ['commitment', id],
    queryFn: () => unwrap(api.GET('/commitments/{id}', { params: { path: { id } } })),
  });
  usePageTitle(commitment.data?.title ?? t('title'));
  const events = useQuery({ queryKey: ['commitment-events', id], enabled: auditor, queryFn: () => readEvents(id) });
  const history = useQuery({ queryKey: ['commitment-history', id], queryFn: () => readHistory(id) });
  return (
    <QueryView query={commitment}>
      {(c) => (
        <article>
          <header className="commitment-head">
            <h1>{c.title}</h1>
            <div data-testid="commitment-status" className="commitment-status">
              <StatusBadge status={c.status} />
              {c.overdue && (
                <span className="overdue">
                  <span aria-hidden="true">⚠ </span>
                  {t('overdue')}
                </span>
              )}
            </div>
          </header>
          <p>{c.description}</p>
          <div className="grid">
            <section className="card" aria-labelledby="facts">
              <h2 id="facts">{t('factsTitle')}</h2>
              <Facts commitment={c} />
            </section>
            <section className="card" aria-labelledby="evidence">
              <h2 id="evidence">{t('evidence')}</h2>
              <Evidence commitment={c} />
              <Download id={id} auditor={auditor} />
            </section>
          </div>
          {auditor ? (
            <QueryView query={events}>{(all) => <Revisions id={id} events={all} />}</QueryView>
          ) : (
            <p className="muted" data-testid="state-note">
              {t('stateOnlyAuditors')}
            </p>
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

/** What a commitment is, as of its last event or as of a revision (the state has the same shape). */
function Facts({ commitment: c }: { commitment: Commitment }) {
  const { t } = useTranslation(['commitments', 'common']);
  const format = useFormat();
  return (
    <dl className="facts">
      <dt>{t('facts.agreement')}</dt>
      <dd>
        <Link href={`/agreements/${c.agreementId}`}>
          <bdi className="mono">{c.agreementId.slice(0, 8)}</bdi>
        </Link>
      </dd>
      <dt>{t('facts.party')}</dt>
      <dd>{c.proposingParty}</dd>
      <dt>{t('facts.domain')}</dt>
      <dd>{c.domain}</dd>
      <dt>{t('facts.agencies')}</dt>
      <dd>{c.leadAgencies.join(', ') || '—'}</dd>
      <dt>{t('facts.status')}</dt>
      <dd>
        <StatusBadge status={c.status} />
      </dd>
      <dt>{t('facts.priority')}</dt>
      <dd>{t(`common:priority.${c.priority}`)}</dd>
      <dt>{t('facts.due')}</dt>
      <dd>
        {format.date(c.dueDate)}
        {c.overdue && <span className="overdue"> · {t('overdue')}</span>}
      </dd>
      <dt>{t('facts.progress')}</dt>
      <dd>
        <progress max={100} value={c.progress} aria-label={t('facts.progress')} /> {format.percent(c.progress)}
      </dd>
      <dt>{t('facts.review')}</dt>
      <dd>{c.review ? t(`common:outcome.${c.review.decision}`, { defaultValue: c.review.decision }) : t('none')}</dd>
      <dt>{t('facts.evaluation')}</dt>
      <dd>
        {c.evaluation ? t(`common:outcome.${c.evaluation.outcome}`, { defaultValue: c.evaluation.outcome }) : t('none')}
      </dd>
      <dt>{t('facts.revision')}</dt>
      <dd>{format.number(c.revision)}</dd>
    </dl>
  );
}

function Evidence({ commitment: c }: { commitment: Commitment }) {
  const { t } = useTranslation(['commitments', 'common']);
  const format = useFormat();
  if (c.evidence.length === 0) return <p className="muted">{t('noEvidence')}</p>;
  return (
    <ul data-testid="evidence">
      {c.evidence.map((e) => (
        <li key={`${e.revision}-${e.uri}`}>
          <a href={e.uri} target="_blank" rel="noopener noreferrer">
            {e.title}
          </a>{' '}
          <span className="muted">
            ({format.date(e.reportedAt)}
            {e.percent !== null ? ` · ${format.percent(e.percent)}` : ''})
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The whole stream as ndjson: the audited events for an auditor, the history for everyone else. */
function Download({ id, auditor }: { id: string; auditor: boolean }) {
  const { t } = useTranslation(['commitments', 'common']);
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  async function download() {
    setState({ busy: true, error: null });
    try {
      const items: unknown[] = auditor ? await readEvents(id) : await readHistory(id);
      const text = items.map((item) => `${JSON.stringify(item)}\n`).join('');
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `commitment-${id}.ndjson`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  return (
    <div>
      <button type="button" onClick={() => void download()} disabled={state.busy}>
        {state.busy ? t('downloading') : t('download')}
      </button>
      <p className="muted">{auditor ? t('downloadEvents') : t('downloadHistory')}</p>
      <ProblemMessage error={state.error} />
    </div>
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
        const changes = Object.entries(entry.changes).filter(([, change]) => change !== undefined);
        return (
          <li key={entry.revision} data-revision={entry.revision} data-type={entry.type}>
            <p>
              <strong>{t(`eventType.${entry.type}`, { defaultValue: entry.type })}</strong>{' '}
              <span className="muted">
                · {t('revision')} {format.number(entry.revision)}
              </span>
            </p>
            <p className="muted">
              <time dateTime={entry.occurredAt}>{format.dateTime(entry.occurredAt)}</time>
              {' · '}
              {entry.actor ? (
                <>
                  {entry.actor.role ? t(`common:roles.${entry.actor.role}`, { defaultValue: entry.actor.role }) : ''}
                  {entry.actor.party ? ` · ${entry.actor.party}` : ''}
                  {entry.actor.id && (
                    <>
                      {' · '}
                      <bdi className="mono">{entry.actor.id}</bdi>
                    </>
                  )}
                </>
              ) : (
                t('actorUnknown')
              )}
            </p>
            {event && (
              <p className="muted">
                {t('command')}: <bdi className="mono">{event.metadata.commandId ?? '—'}</bdi> · {t('correlation')}:{' '}
                <bdi className="mono">{event.metadata.correlationId ?? '—'}</bdi>
              </p>
            )}
            {changes.length > 0 && (
              <ul className="changes" aria-label={t('changesOf', { revision: entry.revision })}>
                {changes.map(([field, change]) => (
                  <li key={field} data-field={field}>
                    {t(`fields.${field}`, { defaultValue: field })}:{' '}
                    <bdi>{showField(field, change?.from, t, format)}</bdi> →{' '}
                    <bdi>{showField(field, change?.to, t, format)}</bdi>
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** Fields of the state that move with every event; the diff leaves them out to show what the event meant. */
const BOOKKEEPING = new Set(['revision', 'position', 'updatedAt', 'asOfRevision']);

/** The state at any revision (GET …/state?revision=), the diff to the one before, the raw event and its mark. */
function Revisions({ id, events }: { id: string; events: AuditedEvent[] }) {
  const { t } = useTranslation(['commitments', 'common']);
  const format = useFormat();
  const last = events.length - 1;
  const [revision, setRevision] = useState(last);
  const readState = (at: number) =>
    unwrap(api.GET('/commitments/{id}/state', { params: { path: { id }, query: { revision: at } } }));
  const state = useQuery({ queryKey: ['commitment-state', id, revision], queryFn: () => readState(revision) });
  const before = useQuery({
    queryKey: ['commitment-state', id, revision - 1],
    enabled: revision > 0,
    queryFn: () => readState(revision - 1),
  });
  const event = events[revision];
  const changes =
    revision > 0 && state.data && before.data
      ? diff(before.data, state.data).filter((d) => !BOOKKEEPING.has(String(d.path[0])))
      : [];
  const where = t('revisionOf', { revision: format.number(revision), last: format.number(last) });
  return (
    <section className="card" aria-labelledby="state-at" data-testid="revisions">
      <h2 id="state-at">{t('stateAt')}</h2>
      <div className="toolbar stepper">
        <button type="button" disabled={revision <= 0} onClick={() => setRevision(revision - 1)}>
          {t('common:actions.previous')}
        </button>
        <div className="field">
          <label htmlFor="revision">{t('revision')}</label>
          <input
            id="revision"
            type="range"
            min={0}
            max={last}
            step={1}
            value={revision}
            onChange={(e) => setRevision(Number(e.target.value))}
            aria-valuetext={where}
          />
        </div>
        <output htmlFor="revision" data-testid="revision" aria-live="polite">
          {where}
        </output>
        <button type="button" disabled={revision >= last} onClick={() => setRevision(revision + 1)}>
          {t('common:actions.next')}
        </button>
      </div>
      <p>
        <strong data-testid="event-type" data-type={event.type}>
          {t(`eventType.${event.type}`, { defaultValue: event.type })}
        </strong>{' '}
        <span className="muted mono">{event.type}</span> ·{' '}
        <time dateTime={event.recordedAt}>{format.dateTime(event.recordedAt)}</time>
      </p>
      <div className="revision-body">
        <div>
          <h3>{t('diff')}</h3>
          {revision === 0 ? (
            <p className="muted">{t('diffNone')}</p>
          ) : (
            <QueryView query={revision > 0 && before.isPending ? before : state}>
              {() =>
                changes.length === 0 ? (
                  <p className="muted">{t('diffEmpty')}</p>
                ) : (
                  <table data-testid="diff">
                    <caption className="visually-hidden">{t('diff')}</caption>
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
                        <tr key={`${d.type}-${d.path.join('.')}`} data-field={d.path.join('.')} data-change={d.type}>
                          <th scope="row" className="mono">
                            {d.path.join('.')}
                          </th>
                          <td className="change-kind">{t(`changeKind.${d.type}`)}</td>
                          <td className="mono value">
                            <bdi>{d.type === 'CREATE' ? '—' : show(d.oldValue)}</bdi>
                          </td>
                          <td className="mono value">
                            <bdi>{d.type === 'REMOVE' ? '—' : show(d.value)}</bdi>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </QueryView>
          )}
        </div>
        <div data-testid="state">
          <h3>{t('stateThen')}</h3>
          <QueryView query={state}>{(s) => <Facts commitment={s} />}</QueryView>
        </div>
      </div>
      <h3>{t('integrity')}</h3>
      <IntegrityMark eventId={event.id} chain={event.integrity} />
      <h3>{t('rawEvent')}</h3>
      <dl className="facts hashes">
        <dt>{t('hash')}</dt>
        <dd>
          <bdi className="mono" data-testid="hash">
            {event.metadata.hash}
          </bdi>
        </dd>
        <dt>{t('prevHash')}</dt>
        <dd>
          <bdi className="mono" data-testid="prev-hash">
            {event.metadata.prevHash}
          </bdi>
        </dd>
      </dl>
      <pre data-testid="raw-event" tabIndex={0} aria-label={t('rawEvent')}>
        {JSON.stringify(
          {
            id: event.id,
            type: event.type,
            revision: event.revision,
            position: event.position,
            recordedAt: event.recordedAt,
            integrity: event.integrity,
            data: event.data,
            metadata: event.metadata,
            hash: event.metadata.hash,
            prevHash: event.metadata.prevHash,
          },
          null,
          2,
        )}
      </pre>
    </section>
  );
}
