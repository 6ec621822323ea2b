import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The render specs read the PDFs back with poppler-utils, the tools a clerk or an auditor
 * would use. A missing tool fails the spec (never skips it) and says what to install.
 */
export function poppler(tool: 'pdftotext' | 'pdftoppm' | 'pdfinfo', args: string[]): Buffer {
  try {
    return execFileSync(tool, args, { maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${tool} is not installed; the document specs need poppler-utils: apt-get install poppler-utils`);
    }
    throw error;
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'accord-render-'));
}

export function writePdf(dir: string, name: string, pdf: Buffer): string {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** pdftotext wraps right-to-left lines in U+202A..U+202C embedding marks; the words are what count. */
export function stripBidiMarks(text: string): string {
  return text.replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
}

export function pdfText(file: string, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return stripBidiMarks(poppler('pdftotext', [...range, file, '-']).toString('utf8'));
}

export function pageCount(file: string): number {
  const match = /^Pages:\s+(\d+)/m.exec(poppler('pdfinfo', [file]).toString('utf8'));
  if (!match) throw new Error(`pdfinfo did not report a page count for ${file}`);
  return Number(match[1]);
}

/** Renders a page to a greyscale PGM with pdftoppm and counts its pixels darker than mid grey. */
export function darkPixels(
  file: string,
  page: number,
  resolution = 50,
): { width: number; height: number; dark: number } {
  const prefix = join(tempDir(), 'page');
  poppler('pdftoppm', [
    '-gray',
    '-r',
    String(resolution),
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    file,
    prefix,
  ]);
  const pgm = readFileSync(`${prefix}.pgm`);
  // P5 header: magic, width, height, maxval, each separated by whitespace (comments start with #).
  const fields: string[] = [];
  let at = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(pgm[at]))) at++;
    if (pgm[at] === 0x23) {
      while (pgm[at] !== 0x0a) at++;
      continue;
    }
    let token = '';
    while (!/\s/.test(String.fromCharCode(pgm[at]))) token += String.fromCharCode(pgm[at++]);
    fields.push(token);
  }
  at++;
  const [magic, w, h, max] = fields;
  if (magic !== 'P5' || Number(max) > 255) throw new Error(`unexpected PGM header ${fields.join(' ')}`);
  const width = Number(w);
  const height = Number(h);
  let dark = 0;
  for (let i = at; i < at + width * height; i++) if (pgm[i] < 128) dark++;
  return { width, height, dark };
}
