import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, fetchBlob, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { ProblemMessage } from '../../components/problem-message';
import { useCommand } from '../../components/use-command';
import { useFormat } from '../../i18n/format';

type Minutes = Schemas['MinutesViewDto'];
const LANGS = ['fr', 'en', 'ar'] as const;

/**
 * The minutes of a session: where their adoption stands, the PDF in each language, and for a
 * delegate whose party has not approved yet, the approval of exactly the hash shown.
 */
export function MinutesPanel({ sessionId, onDone }: { sessionId: string; onDone(answer: { position: number }): void }) {
  const { t } = useTranslation(['sessions', 'common']);
  const minutes = useQuery({
    queryKey: ['minutes', sessionId],
    // format=json (the default) answers the MinutesViewDto; the other media types are the documents.
    queryFn: async () =>
      (await unwrap(api.GET('/sessions/{id}/minutes', { params: { path: { id: sessionId } } }))) as Minutes,
  });
  if (!minutes.data) return <ProblemMessage error={minutes.error} />;
  const m = minutes.data;
  return (
    <section aria-labelledby="minutes" className="card" data-testid="minutes">
      <h2 id="minutes">{t('minutes.title')}</h2>
      <Standing sessionId={sessionId} document={m} number={0} onDone={onDone} />
      {m.addenda.map((addendum) => (
        <div key={addendum.document} data-testid={`addendum-${addendum.document}`}>
          <h3>{t('minutes.addendum', { n: addendum.document })}</h3>
          <p className="addendum-text">{String(addendum.content.text ?? '')}</p>
          <Standing sessionId={sessionId} document={addendum} number={addendum.document} onDone={onDone} />
        </div>
      ))}
      <p className="muted">{t('minutes.verify')}</p>
    </section>
  );
}

function Standing({
  sessionId,
  document,
  number,
  onDone,
}: {
  sessionId: string;
  document: Pick<Minutes, 'status' | 'contentHash' | 'approvals' | 'awaiting' | 'adoptedAt'>;
  number: number;
  onDone(answer: { position: number }): void;
}) {
  const { t } = useTranslation(['sessions', 'common']);
  const format = useFormat();
  const { principal } = useSession();
  const [error, setError] = useState<unknown>(null);
  const approve = useCommand((contentHash: string, key: string) =>
    unwrap(
      api.POST('/sessions/{id}/minutes/approvals', {
        params: { path: { id: sessionId }, header: { 'Idempotency-Key': key } },
        body: { contentHash },
      }),
    ),
  );
  const party = principal?.role === 'delegate' ? principal.party : null;
  const mayApprove = party && document.awaiting.includes(party);
  async function download(lang: (typeof LANGS)[number]) {
    setError(null);
    try {
      const path = number === 0 ? 'minutes' : `minutes/addenda/${number}`;
      const blob = await fetchBlob(`/sessions/${sessionId}/${path}?format=pdf&lang=${lang}`, 'application/pdf');
      const link = window.document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `minutes-${sessionId}${number === 0 ? '' : `-addendum-${number}`}-${lang}.pdf`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (failure) {
      setError(failure);
    }
  }
  return (
    <>
      <p data-testid={`minutes-status-${number}`}>
        {document.status === 'draft'
          ? t('minutes.draft')
          : document.status === 'adopted'
            ? t('minutes.adopted', { date: format.dateTime(document.adoptedAt!) })
            : t('minutes.awaiting', { parties: document.awaiting.join(', ') })}
      </p>
      <dl className="facts">
        <dt>{t('minutes.hash')}</dt>
        <dd>
          <code className="hash">{document.contentHash}</code>
        </dd>
        <dt>{t('minutes.approvedBy')}</dt>
        <dd>
          {document.approvals.length === 0
            ? t('minutes.none')
            : document.approvals.map((a) => `${a.party} (${format.dateTime(a.at)})`).join(', ')}
        </dd>
      </dl>
      <p className="actions">
        {LANGS.map((lang) => (
          <button key={lang} type="button" onClick={() => void download(lang)}>
            {t('minutes.download', { lang })}
          </button>
        ))}
      </p>
      {mayApprove && (
        <button
          type="button"
          data-testid={`approve-${number}`}
          onClick={() => approve.mutate(document.contentHash, { onSuccess: onDone })}
          disabled={approve.isPending}
        >
          {number === 0 ? t('minutes.approve', { party }) : t('minutes.approveAddendum', { n: number, party })}
        </button>
      )}
      <ProblemMessage error={approve.error ?? error} />
    </>
  );
}
