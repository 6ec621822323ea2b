/**
 * What a committee document says, independent of how it is drawn: the minutes, their
 * addenda and the results report are built as a DocumentModel, and `renderHtml` and
 * `renderPdf` draw the same model, so the HTML and the PDF of a document never disagree.
 */

/** The languages accord writes its documents in. Arabic is drawn right to left. */
export type DocumentLang = 'fr' | 'en' | 'ar';
export const documentLangs: readonly DocumentLang[] = ['fr', 'en', 'ar'];

export type TextDirection = 'ltr' | 'rtl';
export function directionOf(lang: DocumentLang): TextDirection {
  return lang === 'ar' ? 'rtl' : 'ltr';
}

export function isDocumentLang(value: unknown): value is DocumentLang {
  return typeof value === 'string' && (documentLangs as readonly string[]).includes(value);
}

/** Which document it is; embedded in the PDF so `accord minutes verify` knows what it holds. */
export type DocumentKind = 'minutes' | 'minutes-addendum' | 'results-report';

export interface DocumentModel {
  readonly kind: DocumentKind;
  readonly lang: DocumentLang;
  readonly title: string;
  readonly subtitle?: string;
  /**
   * ISO-8601 instant the document is dated by (a session's closing, a report's period end):
   * the PDF's creation date, so the same model always renders the same bytes.
   */
  readonly date: string;
  /**
   * The date as printed, when the document words it itself; else the renderer formats `date`
   * with ICU. Minutes word it themselves, so that their PDF does not change with Node's ICU data
   * (verification draws adopted minutes again and compares the bytes).
   */
  readonly dateText?: string;
  /**
   * sha256 hex of the canonical JSON of what the document states, when it has one (minutes):
   * printed in every page's footer and embedded in the PDF's metadata.
   */
  readonly contentHash?: string;
  /** A line printed at the foot of every page (after the page number). */
  readonly footer?: string;
  readonly blocks: readonly DocumentBlock[];
}

/** Text is plain (no markup); it may mix scripts (an Arabic page quotes a French title). */
export type DocumentBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string; readonly tone?: 'strong' | 'muted' }
  /** Label and value pairs, drawn as a two-column list (date, venue, attendance…). */
  | { readonly kind: 'fields'; readonly rows: readonly { readonly label: string; readonly value: string }[] }
  | { readonly kind: 'list'; readonly ordered: boolean; readonly items: readonly string[] }
  | {
      readonly kind: 'table';
      readonly caption?: string;
      /** `width` is a share of the line (the shares of a table add up to 1 or are all left out). */
      readonly columns: readonly {
        readonly label: string;
        readonly align?: 'start' | 'end';
        readonly width?: number;
      }[];
      readonly rows: readonly (readonly string[])[];
    }
  | {
      /** Grouped (or stacked) horizontal bars: one group per category, one bar per series. */
      readonly kind: 'bar-chart';
      readonly title: string;
      readonly unit?: string;
      readonly categories: readonly string[];
      readonly series: readonly { readonly label: string; readonly values: readonly number[] }[];
      readonly stacked?: boolean;
    }
  | {
      /** A value per point in time (a session), one line per series: trends between sessions. */
      readonly kind: 'line-chart';
      readonly title: string;
      readonly unit?: string;
      readonly points: readonly string[];
      readonly series: readonly { readonly label: string; readonly values: readonly number[] }[];
    }
  | { readonly kind: 'page-break' };
