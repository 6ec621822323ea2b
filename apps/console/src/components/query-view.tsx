import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ProblemMessage } from './problem-message';

/** Loading, refused or loaded: every read shows one of the three, never a blank. */
export function QueryView<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (query.isPending) {
    return (
      <p className="loading" role="status" aria-live="polite">
        {t('state.loading')}
      </p>
    );
  }
  if (query.isError) {
    return (
      <div>
        <ProblemMessage error={query.error} />
        <button type="button" onClick={() => void query.refetch()}>
          {t('actions.retry')}
        </button>
      </div>
    );
  }
  return <>{children(query.data as T)}</>;
}
