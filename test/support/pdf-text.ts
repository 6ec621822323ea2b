import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POPPLER = ['/usr/bin/pdftotext', '/usr/bin/pdftoppm'];

/** The documents' suites read PDFs back with poppler; without it they fail, saying how to install it. */
export function requirePoppler(): void {
  const missing = POPPLER.filter((tool) => !existsSync(tool));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} missing: apt-get install -y poppler-utils (the PDF suites read PDFs back with it)`,
    );
  }
}

/** The text of a PDF in reading order, as pdftotext extracts it (logical order for right-to-left lines). */
export function pdfText(pdf: Buffer, options: { firstPage?: number; lastPage?: number } = {}): string {
  requirePoppler();
  const dir = mkdtempSync(join(tmpdir(), 'accord-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    const pages = [
      ...(options.firstPage ? ['-f', String(options.firstPage)] : []),
      ...(options.lastPage ? ['-l', String(options.lastPage)] : []),
    ];
    return execFileSync('/usr/bin/pdftotext', [...pages, '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders page `page` of a PDF to a PNG file (pdftoppm), for the pictures in docs/. */
export function pdfPageToPng(pdf: Buffer, pngPathWithoutExtension: string, page = 1, dpi = 80): void {
  requirePoppler();
  const dir = mkdtempSync(join(tmpdir(), 'accord-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    execFileSync('/usr/bin/pdftoppm', [
      '-f',
      String(page),
      '-l',
      String(page),
      '-r',
      String(dpi),
      '-png',
      '-singlefile',
      file,
      pngPathWithoutExtension,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that each needle occurs in `text`, in the order given; returns the positions. */
export function indicesInOrder(text: string, needles: readonly string[]): number[] {
  const found: number[] = [];
  let from = 0;
  for (const needle of needles) {
    const at = text.indexOf(needle, from);
    if (at < 0)
      throw new Error(
        `"${needle}" is not in the text after position ${from} (in order: ${needles.join(' | ')})\n---\n${text}`,
      );
    found.push(at);
    from = at + needle.length;
  }
  return found;
}
