import { directionOf, type DocumentBlock, type DocumentModel } from './document-model';
import { formatDocumentDate, numberFormatter } from './format';
import { barChartSvg, escapeHtml, lineChartSvg } from './html-charts';

/** Names the drawing code that made an HTML page, as accordPdfRenderer does for the PDF. */
export const accordHtmlRenderer = 'accord-html/1';

/*
 * One stylesheet for both directions: only logical properties (inline-start/end, text-align
 * start/end), so dir="rtl" on <html> mirrors the page. Nothing is fetched: the fonts are named
 * (Amiri and Noto Sans when the reader has them, then the system's), never linked.
 */
const css = `
:root { color: #1a1a1a; background: #fff; }
body { font-family: "Noto Sans", "Amiri", system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 11pt; line-height: 1.5; margin-block: 0; margin-inline: auto; max-inline-size: 180mm; padding-block: 12mm; padding-inline: 8mm; }
:lang(ar) body, body:lang(ar) { font-family: "Amiri", "Noto Sans", "Noto Naskh Arabic", "Geeza Pro", "Segoe UI", Tahoma, serif; font-size: 12.5pt; line-height: 1.7; }
h1 { font-size: 19pt; margin-block: 0 2mm; }
h2 { font-size: 15pt; margin-block: 6mm 2mm; }
h3 { font-size: 13pt; margin-block: 5mm 2mm; }
h4 { font-size: 11.5pt; margin-block: 4mm 1mm; }
.subtitle, .date, .muted { color: #5a5a5a; margin-block: 0; }
.document-header { border-block-end: 1px solid #9a9a9a; padding-block-end: 3mm; margin-block-end: 4mm; }
.strong { font-weight: 700; }
dl.fields { display: grid; grid-template-columns: minmax(8em, 32%) 1fr; gap: 1mm 4mm; margin-block: 2mm 4mm; }
dl.fields > div { display: contents; }
dl.fields dt { font-weight: 700; color: #5a5a5a; }
dl.fields dd { margin: 0; }
ol, ul { padding-inline-start: 7mm; }
table { border-collapse: collapse; inline-size: 100%; margin-block: 3mm 5mm; font-size: 9.5pt; }
caption { caption-side: top; text-align: start; font-weight: 700; padding-block-end: 1.5mm; }
th, td { text-align: start; vertical-align: top; padding-block: 1.5mm; padding-inline: 2mm; border-block-end: 1px solid #d6d9de; }
thead th { background: #e8ecf2; border-block-end-color: #9a9a9a; }
tbody th { font-weight: 400; }
tbody tr:nth-child(even) { background: #f5f6f8; }
.end { text-align: end; }
figure.chart { margin-block: 4mm; margin-inline: 0; break-inside: avoid; }
figure.chart figcaption { font-weight: 700; margin-block-end: 2mm; }
figure.chart svg { display: block; max-inline-size: 100%; font-family: inherit; }
figure.chart svg text { fill: #1a1a1a; }
.visually-hidden { position: absolute; inline-size: 1px; block-size: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.page-break { break-after: page; block-size: 0; border: 0; margin: 0; }
.document-footer { border-block-start: 1px solid #9a9a9a; margin-block-start: 8mm; padding-block-start: 2mm; color: #5a5a5a; font-size: 8.5pt; }
.document-footer code { font-family: ui-monospace, "Noto Sans Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
@page { size: A4; margin-block: 20mm 22mm; margin-inline: 20mm; }
@media print {
  body { max-inline-size: none; padding: 0; }
  thead { display: table-header-group; }
  tr, dt, dd { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
}
`;

export function renderHtml(model: DocumentModel): string {
  const dir = directionOf(model.lang);
  const format = numberFormatter(model.lang);
  let charts = 0;
  const block = (b: DocumentBlock): string => {
    switch (b.kind) {
      case 'heading': {
        const tag = `h${b.level + 1}`;
        return `<${tag}>${escapeHtml(b.text)}</${tag}>`;
      }
      case 'paragraph':
        return `<p${b.tone ? ` class="${b.tone}"` : ''}>${escapeHtml(b.text)}</p>`;
      case 'fields':
        return `<dl class="fields">${b.rows.map((r) => `<div><dt>${escapeHtml(r.label)}</dt><dd>${escapeHtml(r.value)}</dd></div>`).join('')}</dl>`;
      case 'list': {
        const tag = b.ordered ? 'ol' : 'ul';
        return `<${tag}>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</${tag}>`;
      }
      case 'table': {
        const cls = (i: number) => (b.columns[i]?.align === 'end' ? ' class="end"' : '');
        const cols = b.columns.every((c) => c.width !== undefined)
          ? `<colgroup>${b.columns.map((c) => `<col style="inline-size: ${((c.width ?? 0) * 100).toFixed(1)}%">`).join('')}</colgroup>`
          : '';
        const head = `<thead><tr>${b.columns.map((c, i) => `<th scope="col"${cls(i)}>${escapeHtml(c.label)}</th>`).join('')}</tr></thead>`;
        // The first cell names the row (a commitment's reference), so it is the row's header.
        const body = b.rows
          .map(
            (row) =>
              `<tr>${b.columns.map((_, i) => (i === 0 ? `<th scope="row"${cls(i)}>${escapeHtml(row[i] ?? '')}</th>` : `<td${cls(i)}>${escapeHtml(row[i] ?? '')}</td>`)).join('')}</tr>`,
          )
          .join('');
        return `<table>${b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : ''}${cols}${head}<tbody>${body}</tbody></table>`;
      }
      case 'bar-chart':
        return barChartSvg(b, { rtl: dir === 'rtl', id: `chart-${++charts}`, format });
      case 'line-chart':
        return lineChartSvg(b, { rtl: dir === 'rtl', id: `chart-${++charts}`, format });
      case 'page-break':
        return '<hr class="page-break" aria-hidden="true">';
      default: {
        const never: never = b;
        throw new TypeError(`unknown block ${JSON.stringify(never)}`);
      }
    }
  };
  const meta = [
    `<meta name="accord-document-kind" content="${escapeHtml(model.kind)}">`,
    `<meta name="accord-renderer" content="${accordHtmlRenderer}">`,
  ];
  if (model.contentHash) meta.push(`<meta name="accord-content-hash" content="${escapeHtml(model.contentHash)}">`);
  const footer = [
    model.footer ? `<p>${escapeHtml(model.footer)}</p>` : '',
    model.contentHash ? `<p>SHA-256 <code>${escapeHtml(model.contentHash)}</code></p>` : '',
  ].join('');
  return [
    '<!DOCTYPE html>',
    `<html lang="${model.lang}" dir="${dir}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ...meta,
    `<title>${escapeHtml(model.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    `<header class="document-header"><h1>${escapeHtml(model.title)}</h1>${model.subtitle ? `<p class="subtitle">${escapeHtml(model.subtitle)}</p>` : ''}<p class="date"><time datetime="${escapeHtml(model.date)}">${escapeHtml(formatDocumentDate(model))}</time></p></header>`,
    `<main>${model.blocks.map(block).join('\n')}</main>`,
    footer ? `<footer class="document-footer">${footer}</footer>` : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
