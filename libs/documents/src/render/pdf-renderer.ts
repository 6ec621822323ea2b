import PDFDocument from 'pdfkit';
import { directionOf, type DocumentBlock, type DocumentModel } from './document-model';
import { baselineOffset, colors, page, PdfCanvas } from './pdf-canvas';
import { drawBarChart, drawLineChart, type FormatNumber } from './pdf-charts';
import { formatDocumentDate, numberFormatter } from './format';
import { bundledFonts } from './pdf-fonts';
import { accordPdfRenderer } from './pdf-metadata';

type TableBlock = Extract<DocumentBlock, { kind: 'table' }>;

/**
 * Draws a DocumentModel as an A4 PDF. The same model gives the same bytes: the dates come
 * from model.date, the file ID is pdfkit's hash of the Info dictionary, fonts are subset in
 * the order they are first used, and nothing reads the clock or a random source.
 */
export function renderPdf(model: DocumentModel): Promise<Buffer> {
  const rtl = directionOf(model.lang) === 'rtl';
  const date = new Date(model.date);
  if (Number.isNaN(date.getTime()))
    return Promise.reject(new RangeError(`document date is not an ISO-8601 instant: ${model.date}`));
  const info: Record<string, string | Date> = {
    Title: model.title,
    Producer: 'accord',
    Creator: accordPdfRenderer,
    CreationDate: date,
    ModDate: date,
    Lang: model.lang,
    AccordDocumentKind: model.kind,
    AccordRenderer: accordPdfRenderer,
  };
  if (model.subtitle) info.Subject = model.subtitle;
  if (model.contentHash) info.AccordContentHash = model.contentHash;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    bufferPages: true,
    autoFirstPage: false,
    lang: model.lang,
    displayTitle: true,
    compress: true,
    // pdfkit's typings know only its standard Info keys; the accord ones are custom entries.
    info: info as PDFKit.DocumentInfo,
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    for (const [key, { buffer }] of bundledFonts()) doc.registerFont(key, buffer);
    const canvas = new PdfCanvas(doc, rtl);
    canvas.newPage();
    drawTitle(canvas, model);
    const format = numberFormatter(model.lang);
    for (const block of model.blocks) drawBlock(canvas, block, format);
    drawRunningParts(canvas, model);
    doc.end();
  } catch (error) {
    return Promise.reject(error);
  }
  return done;
}

function drawTitle(canvas: PdfCanvas, model: DocumentModel): void {
  canvas.paragraph(model.title, { size: 19, weight: 'bold' });
  if (model.subtitle) canvas.paragraph(model.subtitle, { size: 12, color: colors.muted });
  canvas.paragraph(formatDocumentDate(model), { size: 10, color: colors.muted });
  canvas.y += 6;
  canvas.rule(canvas.y);
  canvas.y += 10;
}

const headingSize = { 1: 16, 2: 13.5, 3: 11.5 } as const;
const bodySize = 10.5;

function drawBlock(canvas: PdfCanvas, block: DocumentBlock, format: FormatNumber): void {
  switch (block.kind) {
    case 'heading': {
      const size = headingSize[block.level];
      canvas.y += block.level === 1 ? 10 : 6;
      // Keep a heading with at least two lines of what follows it.
      canvas.ensure(canvas.lineHeight(size) + 2 * canvas.lineHeight(bodySize));
      canvas.paragraph(block.text, { size, weight: 'bold' });
      canvas.y += 2;
      return;
    }
    case 'paragraph':
      canvas.paragraph(block.text, {
        size: bodySize,
        weight: block.tone === 'strong' ? 'bold' : 'regular',
        color: block.tone === 'muted' ? colors.muted : colors.text,
      });
      canvas.y += 5;
      return;
    case 'fields':
      drawFields(canvas, block.rows);
      return;
    case 'list':
      drawList(canvas, block.ordered, block.items);
      return;
    case 'table':
      drawTable(canvas, block);
      return;
    case 'bar-chart':
      drawBarChart(canvas, block, format);
      return;
    case 'line-chart':
      drawLineChart(canvas, block, format);
      return;
    case 'page-break':
      if (canvas.y > page.top) canvas.newPage();
      return;
    default: {
      const never: never = block;
      throw new TypeError(`unknown block ${JSON.stringify(never)}`);
    }
  }
}

function drawFields(canvas: PdfCanvas, rows: readonly { label: string; value: string }[]): void {
  const labelWidth = canvas.width * 0.32;
  const gap = 12;
  const valueWidth = canvas.width - labelWidth - gap;
  const lh = canvas.lineHeight(bodySize);
  for (const row of rows) {
    const label = canvas.wrap(row.label, { size: bodySize, weight: 'bold' }, labelWidth);
    const value = canvas.wrap(row.value, { size: bodySize }, valueWidth);
    canvas.ensure(Math.max(label.length, value.length, 1) * lh);
    const top = canvas.y;
    // The label sits on the start side: left in French and English, right in Arabic.
    label.forEach((line, i) =>
      canvas.drawLine(line, canvas.boxX(0, labelWidth), labelWidth, top + i * lh + baselineOffset(bodySize, lh), {
        size: bodySize,
        weight: 'bold',
        color: colors.muted,
      }),
    );
    value.forEach((line, i) =>
      canvas.drawLine(
        line,
        canvas.boxX(labelWidth + gap, valueWidth),
        valueWidth,
        top + i * lh + baselineOffset(bodySize, lh),
        { size: bodySize },
      ),
    );
    canvas.y = top + Math.max(label.length, value.length, 1) * lh + 2;
  }
  canvas.y += 5;
}

function drawList(canvas: PdfCanvas, ordered: boolean, items: readonly string[]): void {
  const indent = 20;
  const lh = canvas.lineHeight(bodySize);
  items.forEach((item, index) => {
    const lines = canvas.wrap(item, { size: bodySize }, canvas.width - indent);
    lines.forEach((line, i) => {
      canvas.ensure(lh);
      const baseline = canvas.y + baselineOffset(bodySize, lh);
      if (i === 0)
        canvas.label(ordered ? `${index + 1}.` : '•', canvas.boxX(0, indent - 4), indent - 4, baseline, {
          size: bodySize,
          color: colors.muted,
        });
      canvas.drawLine(line, canvas.boxX(indent, canvas.width - indent), canvas.width - indent, baseline, {
        size: bodySize,
      });
      canvas.y += lh;
    });
    canvas.y += 1;
  });
  canvas.y += 5;
}

const cellSize = 9;
const cellPad = 4;

function drawTable(canvas: PdfCanvas, table: TableBlock): void {
  const count = table.columns.length;
  const shares = table.columns.every((c) => c.width !== undefined)
    ? table.columns.map((c) => c.width as number)
    : table.columns.map(() => 1 / count);
  const total = shares.reduce((a, b) => a + b, 0) || 1;
  const widths = shares.map((s) => (s / total) * canvas.width);
  const offsets = widths.map((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0));
  const lh = canvas.lineHeight(cellSize);

  const drawRow = (cells: readonly string[], header: boolean, stripe: boolean): void => {
    const style = { size: cellSize, weight: header ? ('bold' as const) : ('regular' as const) };
    const wrapped = table.columns.map((_, i) => canvas.wrap(cells[i] ?? '', style, widths[i] - 2 * cellPad));
    const height = Math.max(1, ...wrapped.map((w) => w.length)) * lh + 2 * cellPad;
    // On a page break onPageBreak draws the header row again before this row.
    canvas.ensure(height);
    const top = canvas.y;
    if (header || stripe)
      canvas.doc
        .save()
        .rect(canvas.left, top, canvas.width, height)
        .fill(header ? colors.headerFill : colors.stripe)
        .restore();
    wrapped.forEach((lines, i) => {
      // Columns run from the start side: the first column is on the right in Arabic.
      const x = canvas.boxX(offsets[i], widths[i]) + cellPad;
      const align = table.columns[i].align === 'end' ? 'end' : 'start';
      lines.forEach((line, k) =>
        canvas.drawLine(
          line,
          x,
          widths[i] - 2 * cellPad,
          top + cellPad + k * lh + baselineOffset(cellSize, lh),
          style,
          align,
        ),
      );
    });
    canvas.y = top + height;
    canvas.rule(canvas.y, header ? colors.rule : '#d6d9de');
  };

  if (table.caption) {
    canvas.ensure(canvas.lineHeight(bodySize) + 3 * lh);
    canvas.paragraph(table.caption, { size: bodySize, weight: 'bold' });
  }
  canvas.ensure(3 * lh + 4 * cellPad);
  const header = table.columns.map((c) => c.label);
  drawRow(header, true, false);
  const previous = canvas.onPageBreak;
  // A row that does not fit goes to the next page, under a repeated header row.
  canvas.onPageBreak = () => drawRow(header, true, false);
  table.rows.forEach((row, i) => drawRow(row, false, i % 2 === 1));
  canvas.onPageBreak = previous;
  canvas.y += 10;
}

/** The header (title) and footer (n / N, footer line, content hash) of every page, drawn last. */
function drawRunningParts(canvas: PdfCanvas, model: DocumentModel): void {
  const { doc } = canvas;
  const range = doc.bufferedPageRange();
  const total = range.count;
  const size = 8;
  for (let i = 0; i < total; i++) {
    doc.switchToPage(range.start + i);
    canvas.label(model.title, canvas.left, canvas.width, 40, { size, color: colors.muted }, 'start');
    canvas.rule(48);
    canvas.rule(page.height - 58);
    const parts = [`${i + 1} / ${total}`, model.footer].filter((p): p is string => !!p);
    canvas.label(
      parts.join(' · '),
      canvas.left,
      canvas.width,
      page.height - 44,
      { size, color: colors.muted },
      'start',
    );
    if (model.contentHash)
      canvas.label(
        `SHA-256 ${model.contentHash}`,
        canvas.left,
        canvas.width,
        page.height - 32,
        { size: 7, color: colors.muted },
        'start',
      );
  }
}
