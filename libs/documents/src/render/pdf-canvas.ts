import type PDFDocument from 'pdfkit';
import { bundledCoverage } from './pdf-fonts';
import { layoutLine, wrapText, type FontWeight, type LaidOutLine, type TextMeasure } from './text-layout';

/** A4 in points, with the margins the committee's printed minutes use (2 cm sides). */
export const page = { width: 595.28, height: 841.89, side: 56.7, top: 72, bottom: 70 } as const;

export const colors = {
  text: '#1a1a1a',
  muted: '#5a5a5a',
  rule: '#9a9a9a',
  headerFill: '#e8ecf2',
  stripe: '#f5f6f8',
  series: ['#1f5fa8', '#d9822b', '#2e8540', '#8e3b9c', '#b8292f', '#5b6b7c'],
} as const;

export type Align = 'start' | 'end' | 'center';

export interface TextStyle {
  readonly size: number;
  readonly weight?: FontWeight;
  readonly color?: string;
}

/**
 * The page being filled: a cursor (`y`), the content column, and text drawing through our own
 * bidi layout. `start`/`end` are logical sides: in an Arabic document start is the right.
 */
export class PdfCanvas {
  y: number = page.top;
  readonly left = page.side;
  readonly right = page.width - page.side;
  readonly width = page.width - 2 * page.side;
  readonly bottom = page.height - page.bottom;
  /** Called after a page break, before anything else is drawn (tables repeat their header). */
  onPageBreak: (() => void) | null = null;

  readonly measure: TextMeasure;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly rtl: boolean,
  ) {
    // Shaping with `features` bypasses pdfkit's own cache, and a page measures the same words often.
    const widths = new Map<string, number>();
    this.measure = {
      width: (font, text, size) => {
        const key = `${font}|${size}|${text}`;
        let width = widths.get(key);
        if (width === undefined) {
          width = doc.font(font).fontSize(faceSize(font, size)).widthOfString(text, { features: [] });
          widths.set(key, width);
        }
        return width;
      },
    };
  }

  lineHeight(size: number): number {
    // Amiri's ascenders and descenders are tall (1.76 em); Latin text needs less.
    return size * (this.rtl ? 1.7 : 1.45);
  }

  wrap(text: string, style: TextStyle, maxWidth: number): LaidOutLine[] {
    return wrapText(
      text,
      { rtl: this.rtl, weight: style.weight ?? 'regular', size: style.size, maxWidth },
      bundledCoverage,
      this.measure,
    );
  }

  line(text: string, style: TextStyle): LaidOutLine {
    return layoutLine(
      text,
      { rtl: this.rtl, weight: style.weight ?? 'regular', size: style.size },
      bundledCoverage,
      this.measure,
    );
  }

  /** x of a box's logical start side, so callers write one layout for both directions. */
  boxX(offsetFromStart: number, boxWidth: number, columnLeft = this.left, columnWidth = this.width): number {
    return this.rtl ? columnLeft + columnWidth - offsetFromStart - boxWidth : columnLeft + offsetFromStart;
  }

  /** Draws one laid-out line in the box [x, x + width] with its baseline at `baseline`. */
  drawLine(
    line: LaidOutLine,
    x: number,
    width: number,
    baseline: number,
    style: TextStyle,
    align: Align = 'start',
  ): void {
    const physical = align === 'center' ? 'center' : (align === 'start') !== this.rtl ? 'left' : 'right';
    const origin =
      physical === 'left' ? x : physical === 'right' ? x + width - line.width : x + (width - line.width) / 2;
    this.doc.fillColor(style.color ?? colors.text);
    for (const run of line.runs) {
      this.doc
        .font(run.font)
        .fontSize(faceSize(run.font, style.size))
        // `features` (even none) makes pdfkit shape the run whole; without it pdfkit lays out word by
        // word and concatenates them in logical order, which reverses the words of an Arabic run.
        .text(run.text, origin + run.x, baseline, { lineBreak: false, baseline: 'alphabetic', features: [] });
    }
  }

  /** Single line of text (a label), shrunk to fit its box if it is too long. */
  label(text: string, x: number, width: number, baseline: number, style: TextStyle, align: Align = 'start'): void {
    let laid = this.line(text, style);
    let size = style.size;
    while (laid.width > width && size > 5) {
      size -= 0.5;
      laid = this.line(text, { ...style, size });
    }
    this.drawLine(laid, x, width, baseline, { ...style, size }, align);
  }

  /** Wrapped text at the cursor across the column (or a part of it), breaking pages between lines. */
  paragraph(text: string, style: TextStyle, options: { indent?: number; align?: Align } = {}): void {
    const indent = options.indent ?? 0;
    const width = this.width - indent;
    const lh = this.lineHeight(style.size);
    for (const line of this.wrap(text, style, width)) {
      this.ensure(lh);
      this.drawLine(
        line,
        this.boxX(indent, width),
        width,
        this.y + baselineOffset(style.size, lh),
        style,
        options.align,
      );
      this.y += lh;
    }
  }

  /** Starts a new page when `height` more points would not fit on this one. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom) return false;
    this.newPage();
    return true;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = page.top;
    this.onPageBreak?.();
  }

  rule(y: number, color: string = colors.rule, x1 = this.left, x2 = this.right): void {
    this.doc.save().moveTo(x1, y).lineTo(x2, y).lineWidth(0.5).strokeColor(color).stroke().restore();
  }
}

/** Amiri's letters are small for their em (x-height about 0.4), so it is drawn a size up beside Noto Sans. */
function faceSize(font: string, size: number): number {
  return font.startsWith('arabic') ? size * 1.12 : size;
}

/** Baseline within a line box: the text sits a little below the middle (ascent ~ 0.75 em). */
export function baselineOffset(size: number, lineHeight: number): number {
  return (lineHeight - size) / 2 + size * 0.8;
}

export type PdfDoc = InstanceType<typeof PDFDocument>;
