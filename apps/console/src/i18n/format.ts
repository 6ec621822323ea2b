import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** Dates, instants and numbers in the reader's language (Intl), never hand-formatted. */
export interface Format {
  date(value: string | Date | null | undefined): string;
  dateTime(value: string | Date | null | undefined): string;
  number(value: number | null | undefined): string;
  percent(value: number | null | undefined): string;
  relative(value: string | Date): string;
}

export function formatterFor(language: string): Format {
  const date = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' });
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
  const number = new Intl.NumberFormat(language);
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 });
  const relative = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
  const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));
  const none = '—';
  return {
    date: (value) => (value ? date.format(toDate(value)) : none),
    dateTime: (value) => (value ? dateTime.format(toDate(value)) : none),
    number: (value) => (value === null || value === undefined ? none : number.format(value)),
    percent: (value) => (value === null || value === undefined ? none : percent.format(value / 100)),
    relative(value) {
      const days = Math.round((toDate(value).getTime() - Date.now()) / 86_400_000);
      return relative.format(days, 'day');
    },
  };
}

export function useFormat(): Format {
  const { i18n } = useTranslation();
  return useMemo(() => formatterFor(i18n.language), [i18n.language]);
}
