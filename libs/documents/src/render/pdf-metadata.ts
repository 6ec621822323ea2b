/** Names the drawing code that made a PDF; bump it when the same model would draw differently. */
export const accordPdfRenderer = 'accord-pdf/1';

export interface PdfMetadata {
  readonly kind: string;
  readonly contentHash?: string;
  readonly lang?: string;
  readonly renderer?: string;
}

/**
 * Reads the accord keys back from a PDF's Info dictionary, as `accord minutes verify` needs.
 * It follows the last trailer (an incremental update appends a new trailer and Info), resolves
 * indirect values, and decodes literal and hex strings, UTF-16BE with a BOM included. Returns
 * null for bytes that are not a PDF or a PDF without accord keys. Files whose trailer lives in
 * a compressed cross-reference stream are searched for their last /Info reference instead.
 */
export function readPdfMetadata(pdf: Buffer): PdfMetadata | null {
  const text = pdf.toString('latin1');
  if (!text.slice(0, 1024).includes('%PDF-')) return null;
  const infoRef = lastInfoReference(text);
  if (!infoRef) return null;
  const info = resolve(text, parseObject(text, infoRef));
  if (!info || info.type !== 'dict') return null;
  const read = (key: string): string | undefined => {
    const value = resolve(text, info.entries.get(key));
    return value?.type === 'string' ? decodePdfString(value.bytes) : value?.type === 'name' ? value.name : undefined;
  };
  const kind = read('AccordDocumentKind');
  if (kind === undefined) return null;
  return { kind, contentHash: read('AccordContentHash'), lang: read('Lang'), renderer: read('AccordRenderer') };
}

type PdfValue =
  | { type: 'dict'; entries: Map<string, PdfValue> }
  | { type: 'array'; items: PdfValue[] }
  | { type: 'string'; bytes: Buffer }
  | { type: 'name'; name: string }
  | { type: 'ref'; num: number; gen: number }
  | { type: 'other'; token: string };

function lastInfoReference(text: string): { num: number; gen: number } | null {
  // The newest trailer that names an Info dictionary; an update's trailer usually repeats it.
  for (let at = text.lastIndexOf('trailer'); at >= 0; at = at === 0 ? -1 : text.lastIndexOf('trailer', at - 1)) {
    const end = text.indexOf('startxref', at);
    const match = /\/Info\s+(\d+)\s+(\d+)\s+R/.exec(text.slice(at, end < 0 ? undefined : end));
    if (match) return { num: Number(match[1]), gen: Number(match[2]) };
  }
  // A cross-reference stream holds its trailer keys in the stream's own dictionary.
  const last = [...text.matchAll(/\/Info\s+(\d+)\s+(\d+)\s+R/g)].at(-1);
  return last ? { num: Number(last[1]), gen: Number(last[2]) } : null;
}

function parseObject(text: string, ref: { num: number; gen: number }): PdfValue | undefined {
  // The last definition wins: an incremental update redefines objects further down the file.
  const re = new RegExp(`(?:^|[^0-9])${ref.num}\\s+${ref.gen}\\s+obj\\b`, 'g');
  let at = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) at = m.index + m[0].length;
  if (at < 0) return undefined;
  try {
    return new Parser(text, at).value();
  } catch {
    return undefined;
  }
}

function resolve(text: string, value: PdfValue | undefined, depth = 0): PdfValue | undefined {
  if (value?.type !== 'ref' || depth > 8) return value;
  return resolve(text, parseObject(text, value), depth + 1);
}

const delimiter = /[\s()<>[\]{}/%]/;

class Parser {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  value(): PdfValue {
    this.skip();
    const c = this.s[this.i];
    if (c === '<' && this.s[this.i + 1] === '<') return this.dict();
    if (c === '<') return this.hex();
    if (c === '(') return this.literal();
    if (c === '[') return this.array();
    if (c === '/') return { type: 'name', name: this.name() };
    const token = this.token();
    // "12 0 R" is a reference: look ahead for a generation number and R.
    if (/^\d+$/.test(token)) {
      const save = this.i;
      this.skip();
      const gen = this.token();
      this.skip();
      if (
        /^\d+$/.test(gen) &&
        this.s[this.i] === 'R' &&
        (this.i + 1 >= this.s.length || delimiter.test(this.s[this.i + 1]))
      ) {
        this.i++;
        return { type: 'ref', num: Number(token), gen: Number(gen) };
      }
      this.i = save;
    }
    return { type: 'other', token };
  }

  private skip(): void {
    while (this.i < this.s.length) {
      if (/\s/.test(this.s[this.i])) this.i++;
      else if (this.s[this.i] === '%')
        while (this.i < this.s.length && this.s[this.i] !== '\n' && this.s[this.i] !== '\r') this.i++;
      else break;
    }
  }

  private token(): string {
    const start = this.i;
    while (this.i < this.s.length && !delimiter.test(this.s[this.i])) this.i++;
    if (this.i === start) throw new SyntaxError(`unexpected ${this.s[this.i]} at ${this.i}`);
    return this.s.slice(start, this.i);
  }

  private name(): string {
    this.i++;
    const start = this.i;
    while (this.i < this.s.length && !delimiter.test(this.s[this.i])) this.i++;
    return this.s
      .slice(start, this.i)
      .replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }

  private dict(): PdfValue {
    this.i += 2;
    const entries = new Map<string, PdfValue>();
    for (;;) {
      this.skip();
      if (this.s.startsWith('>>', this.i)) {
        this.i += 2;
        return { type: 'dict', entries };
      }
      if (this.s[this.i] !== '/') throw new SyntaxError(`dictionary key expected at ${this.i}`);
      const key = this.name();
      entries.set(key, this.value());
    }
  }

  private array(): PdfValue {
    this.i++;
    const items: PdfValue[] = [];
    for (;;) {
      this.skip();
      if (this.s[this.i] === ']') {
        this.i++;
        return { type: 'array', items };
      }
      if (this.i >= this.s.length) throw new SyntaxError('unterminated array');
      items.push(this.value());
    }
  }

  private hex(): PdfValue {
    const end = this.s.indexOf('>', this.i);
    if (end < 0) throw new SyntaxError('unterminated hex string');
    let digits = this.s.slice(this.i + 1, end).replace(/\s/g, '');
    this.i = end + 1;
    if (digits.length % 2 === 1) digits += '0';
    return { type: 'string', bytes: Buffer.from(digits, 'hex') };
  }

  private literal(): PdfValue {
    this.i++;
    const bytes: number[] = [];
    let depth = 1;
    const escapes: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === '\\') {
        const e = this.s[this.i++];
        if (e in escapes) bytes.push(escapes[e]);
        else if (/[0-7]/.test(e)) {
          let octal = e;
          while (octal.length < 3 && /[0-7]/.test(this.s[this.i])) octal += this.s[this.i++];
          bytes.push(parseInt(octal, 8) & 0xff);
        } else if (e === '\r') {
          if (this.s[this.i] === '\n') this.i++;
        } else if (e !== '\n') bytes.push(e.charCodeAt(0));
        continue;
      }
      if (c === '(') depth++;
      if (c === ')' && --depth === 0) return { type: 'string', bytes: Buffer.from(bytes) };
      bytes.push(c.charCodeAt(0));
    }
    throw new SyntaxError('unterminated string');
  }
}

/** PDF text strings: UTF-16BE after a FE FF mark, UTF-8 after EF BB BF (PDF 2.0), else PDFDocEncoding. */
export function decodePdfString(bytes: Buffer): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  // PDFDocEncoding agrees with Latin-1 for every character accord writes.
  return bytes.toString('latin1');
}

/** The name `accord minutes verify` compares: the renderer a PDF says drew it. */
export const PDF_RENDERER = accordPdfRenderer;
