import bidiFactory from 'bidi-js';

/**
 * Line layout for the PDF: words are measured with the real fonts, broken to the column,
 * and each line is put in visual order by the Unicode bidi algorithm. pdfkit's own wrapper
 * places the words of an Arabic line left to right (so they read backwards), hence this.
 */

const bidi = bidiFactory();

/** Which bundled face draws a character: Amiri for Arabic script, Noto Sans for the rest. */
export type FontFace = 'arabic' | 'latin' | 'latin-ext';
export type FontWeight = 'regular' | 'bold';
export type FontKey = `${FontFace}-${FontWeight}`;

export interface FontCoverage {
  has(face: FontFace, codePoint: number): boolean;
}

export interface TextMeasure {
  width(font: FontKey, text: string, size: number): number;
}

/** A piece of a line drawn with one font call, at `x` from the line's left edge. */
export interface VisualRun {
  /** What is handed to pdfkit: logical order when fontkit shapes it right to left, else visual. */
  readonly text: string;
  readonly font: FontKey;
  readonly x: number;
  readonly width: number;
}

export interface LaidOutLine {
  readonly runs: readonly VisualRun[];
  readonly width: number;
}

const arabicScript = /\p{Script=Arabic}/u;
const whitespace = /\s/u;

function faceFor(char: string, coverage: FontCoverage): FontFace {
  const cp = char.codePointAt(0) ?? 0;
  if (arabicScript.test(char)) return 'arabic';
  if (coverage.has('latin', cp)) return 'latin';
  if (coverage.has('latin-ext', cp)) return 'latin-ext';
  if (coverage.has('arabic', cp)) return 'arabic';
  return 'latin';
}

/** One face per code unit index; spaces take their neighbour's face so Arabic words stay one run. */
function facesOf(text: string, coverage: FontCoverage): FontFace[] {
  const faces: (FontFace | null)[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(cp);
    const face = whitespace.test(char) ? null : faceFor(char, coverage);
    for (let k = 0; k < char.length; k++) faces.push(face);
    i += char.length;
  }
  let previous: FontFace | null = null;
  for (let i = 0; i < faces.length; i++) {
    if (faces[i] === null) faces[i] = previous;
    else previous = faces[i];
  }
  let next: FontFace = 'latin';
  for (let i = faces.length - 1; i >= 0; i--) {
    if (faces[i] === null) faces[i] = next;
    else next = faces[i] as FontFace;
  }
  return faces as FontFace[];
}

/** A paragraph prepared once: bidi levels and faces for every code unit. */
interface Prepared {
  readonly text: string;
  readonly bidi: ReturnType<typeof bidi.getEmbeddingLevels>;
  readonly faces: FontFace[];
}

function prepare(text: string, rtl: boolean, coverage: FontCoverage): Prepared {
  const clean = text.replace(/[\t\r\n]+/g, ' ');
  return {
    text: clean,
    bidi: bidi.getEmbeddingLevels(clean, rtl ? 'rtl' : 'ltr'),
    faces: facesOf(clean, coverage),
  };
}

function measureRange(
  p: Prepared,
  start: number,
  end: number,
  weight: FontWeight,
  size: number,
  m: TextMeasure,
): number {
  let width = 0;
  let from = start;
  for (let i = start + 1; i <= end; i++) {
    if (i === end || p.faces[i] !== p.faces[from]) {
      width += m.width(`${p.faces[from]}-${weight}`, p.text.slice(from, i), size);
      from = i;
    }
  }
  return width;
}

/** Visual runs of p.text[start, end): reorder by bidi, then cut where level parity or face changes. */
function layoutRange(
  p: Prepared,
  start: number,
  end: number,
  weight: FontWeight,
  size: number,
  m: TextMeasure,
): LaidOutLine {
  // Rule L1 and L2 for this line: the indices of [start, end) in the order they are seen.
  // bidi-js returns the whole paragraph's indices with only this line's segments reversed.
  const order = bidi.getReorderedIndices(p.text, p.bidi, start, end - 1).slice(start, end);
  const levels = p.bidi.levels;
  const runs: VisualRun[] = [];
  let x = 0;
  let k = 0;
  while (k < order.length) {
    const first = order[k];
    const rtl = (levels[first] & 1) === 1;
    const face = p.faces[first];
    let j = k + 1;
    // A run continues while the next visual index is the logical neighbour in the run's direction.
    while (
      j < order.length &&
      order[j] === order[j - 1] + (rtl ? -1 : 1) &&
      p.faces[order[j]] === face &&
      ((levels[order[j]] & 1) === 1) === rtl
    )
      j++;
    const lo = rtl ? order[j - 1] : first;
    const hi = rtl ? first + 1 : order[j - 1] + 1;
    let logical = p.text.slice(lo, hi);
    if (rtl) logical = mirror(logical);
    // fontkit reverses a run only when it finds a right-to-left script in it; otherwise hand it visual order.
    const text = rtl && !arabicScript.test(logical) ? reverseString(logical) : logical;
    const font: FontKey = `${face}-${weight}`;
    const width = m.width(font, text, size);
    runs.push({ text, font, x, width });
    x += width;
    k = j;
  }
  return { runs, width: x };
}

function mirror(text: string): string {
  let out = '';
  for (const char of text) out += bidi.getMirroredCharacter(char) ?? char;
  return out;
}

function reverseString(text: string): string {
  return Array.from(text).reverse().join('');
}

export interface WrapOptions {
  readonly rtl: boolean;
  readonly weight: FontWeight;
  readonly size: number;
  /** Column width in points; a word wider than it is cut between characters. */
  readonly maxWidth: number;
}

/** Breaks `text` into lines no wider than maxWidth, each laid out in visual order. */
export function wrapText(
  text: string,
  options: WrapOptions,
  coverage: FontCoverage,
  measure: TextMeasure,
): LaidOutLine[] {
  const p = prepare(text, options.rtl, coverage);
  const { weight, size, maxWidth } = options;
  const words: { start: number; end: number }[] = [];
  const re = /\S+/gu;
  for (let match = re.exec(p.text); match; match = re.exec(p.text))
    words.push({ start: match.index, end: match.index + match[0].length });
  if (words.length === 0) return [];
  const lines: { start: number; end: number }[] = [];
  let lineStart = -1;
  let lineEnd = -1;
  let lineWidth = 0;
  for (const word of words) {
    for (const piece of splitWord(p, word.start, word.end, weight, size, maxWidth, measure)) {
      const width = measureRange(p, piece.start, piece.end, weight, size, measure);
      if (lineStart < 0) {
        [lineStart, lineEnd, lineWidth] = [piece.start, piece.end, width];
        continue;
      }
      // Words are measured one by one (shaping never joins across a space), so a line costs n measures.
      const gap = measureRange(p, lineEnd, piece.start, weight, size, measure);
      if (lineWidth + gap + width <= maxWidth) {
        [lineEnd, lineWidth] = [piece.end, lineWidth + gap + width];
      } else {
        lines.push({ start: lineStart, end: lineEnd });
        [lineStart, lineEnd, lineWidth] = [piece.start, piece.end, width];
      }
    }
  }
  lines.push({ start: lineStart, end: lineEnd });
  return lines.map((line) => layoutRange(p, line.start, line.end, weight, size, measure));
}

/** A word that does not fit a line on its own (a hash, a long URL) is cut where the line fills. */
function splitWord(
  p: Prepared,
  start: number,
  end: number,
  weight: FontWeight,
  size: number,
  maxWidth: number,
  m: TextMeasure,
) {
  if (measureRange(p, start, end, weight, size, m) <= maxWidth) return [{ start, end }];
  const pieces: { start: number; end: number }[] = [];
  let from = start;
  while (from < end) {
    let to = from + 1;
    while (to < end && measureRange(p, from, to + 1, weight, size, m) <= maxWidth) to++;
    pieces.push({ start: from, end: to });
    from = to;
  }
  return pieces;
}

/** One line, never wrapped (labels, headers, footers); the caller clips or shrinks. */
export function layoutLine(
  text: string,
  options: Omit<WrapOptions, 'maxWidth'>,
  coverage: FontCoverage,
  measure: TextMeasure,
): LaidOutLine {
  const p = prepare(text.trim(), options.rtl, coverage);
  if (p.text.length === 0) return { runs: [], width: 0 };
  return layoutRange(p, 0, p.text.length, options.weight, options.size, measure);
}

export function hasArabic(text: string): boolean {
  return arabicScript.test(text);
}
