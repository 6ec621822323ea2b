import { useTranslation } from 'react-i18next';

/** A status as a word and a colour; the word carries the meaning, the colour only repeats it. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}
