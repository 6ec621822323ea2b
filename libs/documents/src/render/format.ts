import type { DocumentLang, DocumentModel } from './document-model';

/*
 * Dates and figures are written by ICU in the document's language, in UTC so the server's
 * zone never changes what is printed. Arabic documents keep Western digits (`nu-latn`), as
 * the committee's Arabic minutes do, so a figure reads the same on the French page.
 */

function locale(lang: DocumentLang): string {
  return lang === 'ar' ? 'ar-u-nu-latn' : lang;
}

export function formatDocumentDate(model: DocumentModel): string {
  if (model.dateText !== undefined) return model.dateText;
  return new Intl.DateTimeFormat(locale(model.lang), { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(model.date),
  );
}

export function numberFormatter(lang: DocumentLang): (value: number) => string {
  const format = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 2 });
  return (value) => format.format(value);
}

/** 1, 2, 2.5 or 5 times a power of ten at or above `max`, so the gridlines fall on round figures. */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}
