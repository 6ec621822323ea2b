import { useTranslation } from 'react-i18next';

/**
 * Cursor paging: the cursors of the pages seen are kept, so Previous goes back exactly.
 * `cursors` is the stack of cursors that opened each page after the first.
 */
export function Pager({
  cursors,
  nextCursor,
  onChange,
}: {
  cursors: string[];
  nextCursor: string | null | undefined;
  onChange(cursors: string[]): void;
}) {
  const { t } = useTranslation();
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <button type="button" disabled={cursors.length === 0} onClick={() => onChange(cursors.slice(0, -1))}>
        {t('actions.previous')}
      </button>
      <span>{t('pager.page', { page: cursors.length + 1 })}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && onChange([...cursors, nextCursor])}>
        {t('actions.next')}
      </button>
    </nav>
  );
}
