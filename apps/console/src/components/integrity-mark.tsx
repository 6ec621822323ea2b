import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiProblem, unwrap } from '../api/client';

/** What the chain check said of the event, as the audited events pages carry it. */
export type ChainIntegrity = 'ok' | 'hash-mismatch' | 'chain-broken';

/**
 * An event's integrity mark. From the integrity log where it covers the event: its leaf in the
 * latest signed checkpoint (with the checkpoint's cosignatures), from the inclusion proof the
 * API serves. Otherwise, from the per-stream chain check: the event's hash recomputed from its
 * content and its link to the one before.
 */
export function IntegrityMark({ eventId, chain }: { eventId: string; chain: ChainIntegrity }) {
  const { t } = useTranslation();
  const proof = useQuery({
    queryKey: ['inclusion', eventId],
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/audit/proofs/inclusion', { params: { query: { eventId } } }));
      } catch (error) {
        // No checkpoint yet, or one made before this event: the chain check is what there is.
        if (error instanceof ApiProblem && error.status === 404) return null;
        throw error;
      }
    },
  });
  const chainOk = chain === 'ok';
  const cosigners = proof.data?.checkpoint
    ? proof.data.checkpoint.split('\n').filter((line) => line.startsWith('— ')).length - 1
    : 0;
  return (
    <div className="integrity" data-testid="integrity" data-chain={chain} data-logged={proof.data ? 'yes' : 'no'}>
      <p className={chainOk ? 'integrity-ok' : 'integrity-bad'}>
        <span aria-hidden="true">{chainOk ? '✔ ' : '✖ '}</span>
        {t(`integrity.chain.${chain}`)}
      </p>
      {proof.isPending && <p className="muted">{t('state.loading')}</p>}
      {proof.data && (
        <p className="integrity-ok">
          <span aria-hidden="true">✔ </span>
          {t('integrity.logged', {
            leaf: proof.data.leafIndex,
            size: proof.data.treeSize,
            cosigners: Math.max(cosigners, 0),
          })}
        </p>
      )}
      {proof.data === null && <p className="muted">{t('integrity.notLogged')}</p>}
      {proof.isError && <p className="muted">{t('integrity.notLogged')}</p>}
    </div>
  );
}
