import PDFDocument from 'pdfkit';
import type { DocumentModel } from './document-model';
import { accordPdfRenderer, decodePdfString, readPdfMetadata } from './pdf-metadata';
import { renderPdf } from './pdf-renderer';
import { poppler, tempDir, writePdf } from './poppler.spec-support';

const model: DocumentModel = {
  kind: 'minutes-addendum',
  lang: 'fr',
  title: 'Additif au procès-verbal (révision)',
  date: '2026-12-01T10:00:00Z',
  contentHash: 'a'.repeat(64),
  blocks: [{ kind: 'paragraph', text: 'Rectification du point 3.' }],
};

function plainPdf(): Promise<Buffer> {
  const doc = new PDFDocument({ info: { Title: 'Not from accord', CreationDate: new Date(0) } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.text('hello');
  doc.end();
  return done;
}

/** Appends an incremental update whose new Info dictionary replaces the accord keys. */
function incrementalUpdate(pdf: Buffer, entries: string): Buffer {
  const text = pdf.toString('latin1');
  const size = Number(/\/Size (\d+)/.exec(text.slice(text.lastIndexOf('trailer')))![1]);
  const root = /\/Root (\d+ \d+ R)/.exec(text.slice(text.lastIndexOf('trailer')))![1];
  const previous = Number(/startxref\s+(\d+)/.exec(text.slice(text.lastIndexOf('startxref')))![1]);
  const objectOffset = pdf.length + 1;
  const object = `\n${size} 0 obj\n<< ${entries} >>\nendobj\n`;
  const xrefOffset = pdf.length + Buffer.byteLength(object, 'latin1');
  const tail = `xref\n${size} 1\n${String(objectOffset).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size + 1} /Root ${root} /Info ${size} 0 R /Prev ${previous} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(object + tail, 'latin1')]);
}

describe('readPdfMetadata', () => {
  it('reads back what renderPdf embedded', async () => {
    expect(readPdfMetadata(await renderPdf(model))).toEqual({
      kind: 'minutes-addendum',
      contentHash: 'a'.repeat(64),
      lang: 'fr',
      renderer: accordPdfRenderer,
    });
  });

  it('takes the Info dictionary of the last trailer after an incremental update', async () => {
    const updated = incrementalUpdate(
      await renderPdf(model),
      `/AccordDocumentKind (minutes) /AccordContentHash <${Buffer.from('b'.repeat(64)).toString('hex')}> /Lang <FEFF00610072> /AccordRenderer (accord\\055pdf/1)`,
    );
    // poppler accepts the update as a well-formed PDF.
    const file = writePdf(tempDir(), 'updated', updated);
    expect(poppler('pdfinfo', [file]).toString('utf8')).toMatch(/Pages:\s+1/);
    expect(readPdfMetadata(updated)).toEqual({
      kind: 'minutes',
      contentHash: 'b'.repeat(64),
      lang: 'ar',
      renderer: 'accord-pdf/1',
    });
  });

  it('follows an earlier trailer when the last one does not name an Info dictionary', () => {
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj\n<< /AccordDocumentKind (minutes) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\nstartxref\n0\n%%EOF\n' +
        '2 0 obj\n(x)\nendobj\ntrailer\n<< /Size 3 /Prev 0 >>\nstartxref\n0\n%%EOF\n',
      'latin1',
    );
    expect(readPdfMetadata(pdf)?.kind).toBe('minutes');
  });

  it('decodes literal escapes, hex strings and UTF-16BE with its byte-order mark', () => {
    const literal = (s: string) => Buffer.from(s, 'latin1');
    expect(decodePdfString(literal('r\xe9sum\xe9'))).toBe('résumé');
    expect(decodePdfString(Buffer.from('feff0645062d0636', 'hex'))).toBe('محض');
    expect(decodePdfString(Buffer.from('efbbbf' + Buffer.from('été').toString('hex'), 'hex'))).toBe('été');
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj\n<< /AccordDocumentKind (min\\(u\\)tes\\\n) /AccordContentHash (\\141\\142c) /Lang (en) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n',
      'latin1',
    );
    expect(readPdfMetadata(pdf)).toEqual({ kind: 'min(u)tes', contentHash: 'abc', lang: 'en', renderer: undefined });
  });

  it('returns null for bytes that are not a PDF, a truncated PDF, and a PDF without accord keys', async () => {
    expect(readPdfMetadata(Buffer.alloc(0))).toBeNull();
    expect(readPdfMetadata(Buffer.from('PK\x03\x04 a zip, not a PDF'))).toBeNull();
    expect(readPdfMetadata(Buffer.from('%PDF-1.7\n1 0 obj\n<< /AccordDocumentKind (minu'))).toBeNull();
    expect(readPdfMetadata(Buffer.from('%PDF-1.7\ntrailer\n<< /Info 9 0 R >>\n'))).toBeNull();
    expect(readPdfMetadata(await plainPdf())).toBeNull();
  });
});
