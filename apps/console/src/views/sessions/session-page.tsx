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
import { MinutesPanel } from './minutes-panel';
import './sessions.css';

type Session = Schemas['SessionViewDto'];
type Item = Schemas['AgendaItemViewDto'];
type Position = Schemas['RecordPositionDto']['position'];
type Kind = Schemas['AddAgendaItemDto']['kind'];

/** The positions a party may take on an item of each kind. */
const POSITIONS: Record<string, Position[]> = {
  review: ['approve', 'reject', 'request_changes'],
  evaluation: ['achieved', 'partially_achieved', 'not_achieved'],
};
const OTHER_POSITIONS: Position[] = ['grant', 'deny'];
const KINDS: Kind[] = ['review', 'evaluation', 'extension', 'suspension', 'resumption', 'reopening'];

export function SessionPage({ id }: { id: string }) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  const { can, principal } = useSession();
  const [after, setAfter] = useState<number | undefined>(undefined);
  const session = useQuery({
    queryKey: ['session', id, after],
    queryFn: () => unwrap(api.GET('/sessions/{id}', { params: { path: { id }, query: { after } } })),
  });
  usePageTitle(session.data ? t('session', { date: format.date(session.data.scheduledFor) }) : t('title'));
  const secretariat = can('secretariat');
  const delegate = principal?.role === 'delegate';
  const close = useCommand((_: object, key: string) =>
    unwrap(
      api.POST('/sessions/{id}/close', { params: { path: { id }, header: { 'Idempotency-Key': key } }, body: {} }),
    ),
  );
  const done = (answer: { position: number }) => setAfter(answer.position);
  return (
    <QueryView query={session}>
      {(s) => (
        <article>
          <h1>
            {t('session', { date: format.dateTime(s.scheduledFor) })} · {s.venue}
          </h1>
          <p data-testid="session-status">
            <StatusBadge status={s.status} />
          </p>
          <dl className="facts card">
            <dt>{t('agreement')}</dt>
            <dd>
              <Link href={`/agreements/${s.agreementId}`}>{s.agreementId.slice(0, 8)}</Link>
            </dd>
            <dt>{t('attendance')}</dt>
            <dd data-testid="attendance">{s.attendance.length ? s.attendance.join(', ') : t('noAttendance')}</dd>
          </dl>
          <section aria-labelledby="agenda">
            <h2 id="agenda">{t('agenda')}</h2>
            {s.items.length === 0 && <p className="muted">{t('noAgenda')}</p>}
            {s.items.map((item) => (
              <AgendaItem
                key={item.itemId}
                session={s}
                item={item}
                party={delegate && s.status === 'open' ? principal?.party : null}
                onDone={done}
              />
            ))}
          </section>
          <MinutesPanel sessionId={s.id} onDone={done} />
          {secretariat && s.status !== 'closed' && (
            <div className="card">
              <AddItem session={s} onDone={done} />
              {s.status === 'scheduled' && <OpenSession session={s} onDone={done} />}
              {s.status === 'open' && (
                <button type="button" onClick={() => close.mutate({}, { onSuccess: done })} disabled={close.isPending}>
                  {t('close')}
                </button>
              )}
              <ProblemMessage error={close.error} />
            </div>
          )}
        </article>
      )}
    </QueryView>
  );
}

function AgendaItem({
  session,
  item,
  party,
  onDone,
}: {
  session: Session;
  item: Item;
  party: string | null | undefined;
  onDone(answer: { position: number }): void;
}) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  const choices = POSITIONS[item.kind] ?? OTHER_POSITIONS;
  const [position, setPosition] = useState<Position>(choices[0]);
  const record = useCommand((input: { itemId: string; position: Position }, key: string) =>
    unwrap(
      api.POST('/sessions/{id}/positions', {
        params: { path: { id: session.id }, header: { 'Idempotency-Key': key } },
        body: input,
      }),
    ),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    record.mutate({ itemId: item.itemId, position }, { onSuccess: onDone });
  }
  const select = `position-${item.itemId}`;
  return (
    <section className="agenda-item" data-item={item.itemId} data-commitment={item.commitmentId}>
      <h3>
        <Link href={`/commitments/${item.commitmentId}`}>{item.commitmentTitle}</Link>
      </h3>
      <p>
        {t('kind')}: {t(`common:kind.${item.kind}`)} · <StatusBadge status={item.status} />
        {item.outcome && (
          <>
            {' '}
            · {t('outcome')}: <strong data-testid="outcome">{t(`common:outcome.${item.outcome}`)}</strong>
          </>
        )}
      </p>
      <h4>{t('positions')}</h4>
      {item.positionHistory.length === 0 ? (
        <p className="muted">{t('noPositions')}</p>
      ) : (
        <ol className="positions" data-testid="positions">
          {item.positionHistory.map((p) => (
            <li key={p.revision} className={p.current ? '' : 'replaced'}>
              {p.party}: {t(`common:outcome.${p.position}`)} · {format.dateTime(p.occurredAt)}
              {p.note ? ` · ${p.note}` : ''}
              {!p.current && ` (${t('replaced')})`}
            </li>
          ))}
        </ol>
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
          <button type="submit" disabled={record.isPending}>
            {t('record.submit')}
          </button>
        </form>
      )}
      <ProblemMessage error={record.error} />
    </section>
  );
}

function AddItem({ session, onDone }: { session: Session; onDone(answer: { position: number }): void }) {
  const { t } = useTranslation(['sessions', 'common']);
  const commitments = useQuery({
    queryKey: ['commitments', { agreementId: session.agreementId, limit: 100 }],
    queryFn: () =>
      unwrap(api.GET('/commitments', { params: { query: { agreementId: session.agreementId, limit: 100 } } })),
  });
  const [commitmentId, setCommitmentId] = useState('');
  const [kind, setKind] = useState<Kind>('review');
  const add = useCommand((input: { commitmentId: string; kind: Kind }, key: string) =>
    unwrap(
      api.POST('/sessions/{id}/agenda', {
        params: { path: { id: session.id }, header: { 'Idempotency-Key': key } },
        body: input,
      }),
    ),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate({ commitmentId: commitmentId || commitments.data?.items[0]?.id || '', kind }, { onSuccess: onDone });
  }
  return (
    <>
      <h2>{t('addItem.title')}</h2>
      <form className="inline" onSubmit={submit}>
        <div className="field">
          <label htmlFor="item-commitment">{t('addItem.commitment')}</label>
          <select id="item-commitment" value={commitmentId} onChange={(e) => setCommitmentId(e.target.value)}>
            {(commitments.data?.items ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
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
        <button type="submit" disabled={add.isPending}>
          {t('addItem.submit')}
        </button>
      </form>
      <ProblemMessage error={add.error} />
    </>
  );
}

function OpenSession({ session, onDone }: { session: Session; onDone(answer: { position: number }): void }) {
  const { t } = useTranslation(['sessions', 'common']);
  const [present, setPresent] = useState<string[]>(session.parties);
  const open = useCommand((input: { attendance: string[] }, key: string) =>
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
      <h2>{t('open.title')}</h2>
      <form className="inline" onSubmit={submit}>
        <fieldset>
          <legend>{t('open.attending')}</legend>
          {session.parties.map((party) => (
            <label key={party}>
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
