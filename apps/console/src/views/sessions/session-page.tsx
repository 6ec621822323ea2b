import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
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
type Item = Schemas['AgendaItemViewDto'];
type Position = Schemas['RecordPositionDto']['position'];
type Kind = Schemas['AddAgendaItemDto']['kind'];
/** What a command answers: its `position` is passed as `after` to read the write back. */
type Accepted = { position: number };

/** The positions a party may take on an item of each kind. */
const POSITIONS: Record<string, Position[]> = {
  review: ['approve', 'reject', 'request_changes'],
  evaluation: ['achieved', 'partially_achieved', 'not_achieved'],
};
const OTHER_POSITIONS: Position[] = ['grant', 'deny'];
const KINDS: Kind[] = ['review', 'evaluation', 'extension', 'suspension', 'resumption', 'reopening'];

/** The agreement's commitments (a few dozen): their domains for the agenda, the choices for a new item. */
function useCommitments(agreementId: string | undefined) {
  return useQuery({
    queryKey: ['commitments', { agreementId, limit: 200 }],
    enabled: !!agreementId,
    queryFn: () => unwrap(api.GET('/commitments', { params: { query: { agreementId, limit: 200 } } })),
  });
}

/**
 * When the session was opened and closed: the session's read model does not carry the times,
 * its events do (GET /sessions/{id}/events), which only the auditor (and admin) may read.
 */
function useOpeningTimes(id: string, revision: number | undefined, allowed: boolean) {
  return useQuery({
    queryKey: ['session-events', id, revision],
    enabled: allowed && revision !== undefined,
    queryFn: async () => {
      const times: { opened?: string; closed?: string } = {};
      for (let cursor: string | undefined; ;) {
        const page = await unwrap(
          api.GET('/sessions/{id}/events', { params: { path: { id }, query: { limit: 200, cursor } } }),
        );
        for (const event of page.items) {
          if (event.type === 'SessionOpened') times.opened = event.metadata.occurredAt;
          if (event.type === 'SessionClosed') times.closed = event.metadata.occurredAt;
        }
        if (!page.nextCursor) return times;
        cursor = page.nextCursor;
      }
    },
  });
}

export function SessionPage({ id }: { id: string }) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  const { can, principal } = useSession();
  const [after, setAfter] = useState<number | undefined>(undefined);
  const session = useQuery({
    queryKey: ['session', id, after],
    queryFn: () => unwrap(api.GET('/sessions/{id}', { params: { path: { id }, query: { after } } })),
  });
  const agreementId = session.data?.agreementId;
  const agreement = useQuery({
    queryKey: ['agreement', agreementId],
    enabled: !!agreementId,
    queryFn: () => unwrap(api.GET('/agreements/{id}', { params: { path: { id: agreementId ?? '' } } })),
  });
  const commitments = useCommitments(agreementId);
  const auditor = can('auditor');
  const times = useOpeningTimes(id, session.data?.revision, auditor);
  usePageTitle(session.data ? t('session', { date: format.date(session.data.scheduledFor) }) : t('title'));
  const secretariat = can('secretariat');
  const delegate = principal?.role === 'delegate';
  const close = useCommand((_: object, key: string) =>
    unwrap(
      api.POST('/sessions/{id}/close', { params: { path: { id }, header: { 'Idempotency-Key': key } }, body: {} }),
    ),
  );
  const done = (answer: Accepted) => setAfter(answer.position);
  const domains = new Map((commitments.data?.items ?? []).map((c) => [c.id, c.domain]));
  const timeOf = (value: string | undefined) =>
    value ? format.dateTime(value) : auditor ? t('notYet') : t('auditorOnly');
  return (
    <QueryView query={session}>
      {(s) => (
        <article className="session">
          <h1>
            {t('session', { date: format.dateTime(s.scheduledFor) })} · {s.venue}
          </h1>
          <p data-testid="session-status">
            <StatusBadge status={s.status} />
          </p>
          <dl className="facts card">
            <dt>{t('agreement')}</dt>
            <dd>
              <Link href={`/agreements/${s.agreementId}`}>{agreement.data?.title ?? s.agreementId}</Link>
            </dd>
            <dt>{t('parties')}</dt>
            <dd>{s.parties.join(', ')}</dd>
            <dt>{t('attendance')}</dt>
            <dd data-testid="attendance">{s.attendance.length ? s.attendance.join(', ') : t('noAttendance')}</dd>
            <dt>{t('openedAt')}</dt>
            <dd data-testid="opened-at">{s.status === 'scheduled' ? t('notYet') : timeOf(times.data?.opened)}</dd>
            <dt>{t('closedAt')}</dt>
            <dd data-testid="closed-at">{s.status !== 'closed' ? t('notYet') : timeOf(times.data?.closed)}</dd>
          </dl>
          <section aria-labelledby="agenda">
            <h2 id="agenda">{t('agenda')}</h2>
            {s.items.length === 0 && <p className="muted">{t('noAgenda')}</p>}
            {s.items.map((item, index) => (
              <AgendaItem
                key={item.itemId}
                number={index + 1}
                session={s}
                item={item}
                domain={domains.get(item.commitmentId)}
                party={delegate && s.status === 'open' ? principal?.party : null}
                onDone={done}
              />
            ))}
          </section>
          {secretariat && s.status !== 'closed' && (
            <section className="card" aria-labelledby="secretariat">
              <h2 id="secretariat">{t('secretariat')}</h2>
              <AddItem session={s} onDone={done} />
              {s.status === 'scheduled' && <OpenSession session={s} onDone={done} />}
              {s.status === 'open' && (
                <>
                  <h3>{t('closeTitle')}</h3>
                  <p className="muted">{t('closeHint')}</p>
                  <button
                    type="button"
                    onClick={() => close.mutate({}, { onSuccess: done })}
                    disabled={close.isPending}
                  >
                    {t('close')}
                  </button>
                  <ProblemMessage error={close.error} />
                </>
              )}
            </section>
          )}
        </article>
      )}
    </QueryView>
  );
}

function AgendaItem({
  number,
  session,
  item,
  domain,
  party,
  onDone,
}: {
  number: number;
  session: Session;
  item: Item;
  domain: string | undefined;
  party: string | null | undefined;
  onDone(answer: Accepted): void;
}) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  const choices = POSITIONS[item.kind] ?? OTHER_POSITIONS;
  const [position, setPosition] = useState<Position>(choices[0]);
  const [note, setNote] = useState('');
  const record = useCommand((input: Schemas['RecordPositionDto'], key: string) =>
    unwrap(
      api.POST('/sessions/{id}/positions', {
        params: { path: { id: session.id }, header: { 'Idempotency-Key': key } },
        body: input,
      }),
    ),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    record.mutate(
      { itemId: item.itemId, position, ...(note.trim() ? { note: note.trim() } : {}) },
      {
        onSuccess: (answer) => {
          setNote('');
          onDone(answer);
        },
      },
    );
  }
  const select = `position-${item.itemId}`;
  const noteId = `note-${item.itemId}`;
  const notes = item.positionHistory.filter((p) => p.current && p.note);
  return (
    <section
      className="agenda-item"
      data-item={item.itemId}
      data-commitment={item.commitmentId}
      aria-labelledby={`item-${item.itemId}`}
    >
      <h3 id={`item-${item.itemId}`}>
        <span className="item-number">{format.number(number)}.</span>{' '}
        <Link href={`/commitments/${item.commitmentId}`}>{item.commitmentTitle ?? item.commitmentId}</Link>
      </h3>
      <dl className="facts">
        <dt>{t('kind')}</dt>
        <dd data-testid="kind">{t(`common:kind.${item.kind}`)}</dd>
        <dt>{t('domain')}</dt>
        <dd>{domain ?? '—'}</dd>
        {item.proposedDueDate && (
          <>
            <dt>{t('proposedDueDate')}</dt>
            <dd>{format.date(item.proposedDueDate)}</dd>
          </>
        )}
        <dt>{t('status')}</dt>
        <dd data-testid="item-status">
          <StatusBadge status={item.status} />
        </dd>
        <dt>{t('outcome')}</dt>
        <dd>
          {item.status === 'decided' && item.outcome ? (
            <strong data-testid="outcome">{t(`common:outcome.${item.outcome}`)}</strong>
          ) : item.status === 'deferred' ? (
            <span data-testid="deferral">{t('deferral')}</span>
          ) : (
            <span className="muted">{t('pending')}</span>
          )}
        </dd>
      </dl>
      <h4>{t('positions')}</h4>
      {item.positionHistory.length === 0 ? (
        <p className="muted">{t('noPositions')}</p>
      ) : (
        <table className="positions" data-testid="positions">
          <thead>
            <tr>
              <th scope="col">{t('party')}</th>
              <th scope="col">{t('position')}</th>
              <th scope="col">{t('when')}</th>
              <th scope="col">{t('note')}</th>
            </tr>
          </thead>
          <tbody>
            {item.positionHistory.map((p) => (
              <tr key={p.revision} className={p.current ? '' : 'replaced'} data-party={p.party}>
                <td>{p.party}</td>
                <td>
                  {t(`common:outcome.${p.position}`)}
                  {!p.current && <span className="muted"> ({t('replaced')})</span>}
                </td>
                <td>{format.dateTime(p.occurredAt)}</td>
                <td>{p.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {notes.length > 0 && (
        <>
          <h4>{t('notes')}</h4>
          <ul className="notes">
            {notes.map((p) => (
              <li key={p.revision}>
                {p.party}: {p.note}
              </li>
            ))}
          </ul>
        </>
      )}
      {party && item.status === 'open' && (
        <form className="inline" onSubmit={submit}>
          <div className="field">
            <label htmlFor={select}>{t('record.label', { party })}</label>
            <select id={select} value={position} onChange={(e) => setPosition(e.target.value as Position)}>
              {choices.map((choice) => (
                <option key={choice} value={choice}>
                  {t(`common:outcome.${choice}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={noteId}>{t('record.note')}</label>
            <input id={noteId} type="text" maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" disabled={record.isPending}>
            {t('record.submit')}
          </button>
        </form>
      )}
      <ProblemMessage error={record.error} />
    </section>
  );
}

function AddItem({ session, onDone }: { session: Session; onDone(answer: Accepted): void }) {
  const { t } = useTranslation(['sessions', 'common']);
  const commitments = useCommitments(session.agreementId);
  const [commitmentId, setCommitmentId] = useState('');
  const [kind, setKind] = useState<Kind>('review');
  const [dueDate, setDueDate] = useState('');
  const add = useCommand((input: Schemas['AddAgendaItemDto'], key: string) =>
    unwrap(
      api.POST('/sessions/{id}/agenda', {
        params: { path: { id: session.id }, header: { 'Idempotency-Key': key } },
        body: input,
      }),
    ),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate(
      {
        commitmentId: commitmentId || commitments.data?.items[0]?.id || '',
        kind,
        ...(kind === 'extension' && dueDate ? { proposedDueDate: dueDate } : {}),
      },
      { onSuccess: onDone },
    );
  }
  return (
    <>
      <h3>{t('addItem.title')}</h3>
      <form className="inline" onSubmit={submit}>
        <div className="field">
          <label htmlFor="item-commitment">{t('addItem.commitment')}</label>
          <select id="item-commitment" value={commitmentId} onChange={(e) => setCommitmentId(e.target.value)}>
            {(commitments.data?.items ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.title} ({t(`common:status.${c.status}`)})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="item-kind">{t('addItem.kind')}</label>
          <select id="item-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`common:kind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        {kind === 'extension' && (
          <div className="field">
            <label htmlFor="item-due">{t('addItem.dueDate')}</label>
            <input id="item-due" type="date" value={dueDate} onChange={(e) => setDueDate(e.target.value)} />
          </div>
        )}
        <button type="submit" disabled={add.isPending}>
          {t('addItem.submit')}
        </button>
      </form>
      <ProblemMessage error={add.error} />
    </>
  );
}

function OpenSession({ session, onDone }: { session: Session; onDone(answer: Accepted): void }) {
  const { t } = useTranslation(['sessions', 'common']);
  const [present, setPresent] = useState<string[]>(session.parties);
  const open = useCommand((input: Schemas['OpenSessionDto'], key: string) =>
    unwrap(
      api.POST('/sessions/{id}/open', {
        params: { path: { id: session.id }, header: { 'Idempotency-Key': key } },
        body: input,
      }),
    ),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    open.mutate({ attendance: present }, { onSuccess: onDone });
  }
  return (
    <>
      <h3>{t('open.title')}</h3>
      <form className="inline" onSubmit={submit}>
        <fieldset>
          <legend>{t('open.attending')}</legend>
          {session.parties.map((party) => (
            <label key={party} className="check">
              <input
                type="checkbox"
                checked={present.includes(party)}
                onChange={(e) =>
                  setPresent(e.target.checked ? [...present, party] : present.filter((p) => p !== party))
                }
              />{' '}
              {party}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={open.isPending}>
          {t('open.submit')}
        </button>
      </form>
      <ProblemMessage error={open.error} />
    </>
  );
}
