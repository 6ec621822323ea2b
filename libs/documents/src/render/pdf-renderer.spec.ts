import type { DocumentModel } from './document-model';
import { glyphIds } from './pdf-fonts';
import { accordPdfRenderer, readPdfMetadata } from './pdf-metadata';
import { renderPdf } from './pdf-renderer';
import { darkPixels, pageCount, pdfText, poppler, tempDir, writePdf } from './poppler.spec-support';
import {
  arabicEndingInLatin,
  arabicMinutes,
  arabicMixedLine,
  arabicSentence,
  frenchMinutes,
} from './sample-documents.fixture';

const dir = tempDir();
let frFile: string;
let arFile: string;
let frPdf: Buffer;
let arPdf: Buffer;

beforeAll(async () => {
  frPdf = await renderPdf(frenchMinutes);
  arPdf = await renderPdf(arabicMinutes);
  frFile = writePdf(dir, 'fr', frPdf);
  arFile = writePdf(dir, 'ar', arPdf);
});

const lines = (text: string) => text.split('\n').map((l) => l.trim());

/** Where each needle first appears, after the previous one: fails unless they come in this order. */
function expectInOrder(text: string, needles: readonly string[]): void {
  let from = 0;
  for (const needle of needles) {
    const at = text.indexOf(needle, from);
    expect({ needle, found: at >= 0 }).toEqual({ needle, found: true });
    from = at + needle.length;
  }
}

describe('renderPdf, read back with poppler-utils', () => {
  it('finds pdftotext, pdftoppm and pdfinfo (apt-get install poppler-utils when this fails)', () => {
    for (const tool of ['pdftotext', 'pdftoppm', 'pdfinfo'] as const) expect(() => poppler(tool, ['-v'])).not.toThrow();
  });

  it('writes the French minutes with their titles, fields, items and every table row in order', () => {
    const text = pdfText(frFile);
    expect(text).toContain('Procès-verbal de la 12ᵉ session de la commission mixte');
    expect(text).toContain('Coopération énergétique et formation professionnelle');
    expect(text).toContain('30 novembre 2026');
    expect(text).toContain('Mme Hélène Lefèvre et M. Karim Benjelloun');
    expect(text).toContain('notamment « Centre de formation » à');
    expectInOrder(text, [
      'Approbation du procès-verbal précédent',
      'Énergie solaire : état d’avancement',
      'Formation professionnelle',
      'Questions diverses',
    ]);
    expectInOrder(
      text,
      Array.from({ length: 64 }, (_, i) => `E-${String(i + 1).padStart(3, '0')}`),
    );
    expect(text).toContain('Engagement n° 1 — Élaboration');
    // A long cell wraps inside its column instead of running over the next one.
    expect(text).toContain('Réhabilitation du réseau d’irrigation de la plaine côtière,');
    expect(text).toContain('Engagements par domaine (nombre)');
    expect(text).toContain('Taux de réalisation par session (%)');
    expectInOrder(text, ['S9', 'S10', 'S11', 'S12']);
  });

  it('spreads the 64-row table over pages, repeating its header row and every page header and footer', () => {
    const pages = pageCount(frFile);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (let page = 1; page <= pages; page++) {
      const text = pdfText(frFile, page);
      expect(text).toContain(`${page} / ${pages} · Commission mixte — document certifié`);
      expect(text).toContain(`SHA-256 ${frenchMinutes.contentHash}`);
      expect(lines(text)).toContain('Procès-verbal de la 12ᵉ session de la commission mixte');
    }
    // Page 2 starts in the middle of the table: its header row is drawn again above the rows.
    const second = pdfText(frFile, 2);
    expect(lines(second)).toEqual(expect.arrayContaining(['Réf.', 'Engagement', 'État', 'Avancement']));
    expect(second).not.toContain('E-001');
  });

  it('writes the Arabic minutes in logical order: the sentence exactly, the items in order, the cells', () => {
    const text = pdfText(arFile);
    const all = lines(text);
    expect(all).toContain(arabicSentence);
    expect(all).toContain(arabicMinutes.title);
    expect(all).toContain('التعاون في مجال الطاقة والتكوين المهني');
    expect(all).toContain('السيدة هيلين لوفيفر والسيد كريم بنجلون');
    // A Latin run at the end of an Arabic line comes back exactly.
    expect(all).toContain(arabicEndingInLatin);
    expectInOrder(text, ['المصادقة على المحضر السابق', 'الطاقة الشمسية', 'التكوين المهني', 'مسائل مختلفة']);
    expect(all).toContain('الالتزام رقم 1');
    expect(all).toContain('قيد التنفيذ');
    expectInOrder(
      text,
      Array.from({ length: 64 }, (_, i) => `E-${String(i + 1).padStart(3, '0')}`),
    );
    expect(text).toContain('إعادة تأهيل شبكة الري في السهل الساحلي');
    expect(text).toContain('الالتزامات حسب المجال');
  });

  it('keeps a French title inside an Arabic line whole, between the Arabic words before and after it', () => {
    const line = lines(pdfText(arFile)).find((l) => l.startsWith('الالتزام ') && l.includes('Centre'));
    expect(line).toBeDefined();
    // pdftotext's own reordering moves the guillemets and the space next to an embedded Latin
    // run (it files neutrals with the run on their left), so the words are checked, not the quotes.
    expect(arabicMixedLine).toMatch(/^الالتزام «Centre de formation» رقم 12$/);
    expect(line).toMatch(/^الالتزام .*Centre de formation.*رقم 12$/);
  });

  it('repeats the Arabic page header and footer on every page', () => {
    const pages = pageCount(arFile);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (let page = 1; page <= pages; page++) {
      const text = pdfText(arFile, page);
      expect(text).toContain('اللجنة المختلطة — وثيقة مصادق عليها');
      expect(text).toContain(`SHA-256 ${arabicMinutes.contentHash}`);
      // "n / N" is drawn right to left (n on the right); pdftotext files the whole of it as one
      // left-to-right number run, so it prints the figures in the order they are seen: "N / n".
      expect(text).toContain(`${pages} / ${page}`);
    }
  });

  it('draws Arabic with its joined forms, and the page is not blank', () => {
    const word = 'اللجنة';
    const joined = glyphIds('arabic-regular', word);
    const space = glyphIds('arabic-regular', ' ')[0];
    const isolated = glyphIds('arabic-regular', Array.from(word).join(' ')).filter((id) => id !== space);
    expect(joined).toHaveLength(isolated.length);
    // Every glyph is a positional form (initial, medial, final) or a ligature, not the isolated letter.
    expect(joined.filter((id) => isolated.includes(id)).length).toBeLessThan(joined.length);
    expect(new Set(joined)).not.toEqual(new Set(isolated));

    const page = darkPixels(arFile, 1);
    expect(page.width).toBeGreaterThan(400);
    expect(page.dark).toBeGreaterThan(2000);
    expect(page.dark).toBeLessThan(page.width * page.height * 0.5);
  });

  it('draws the same bytes for the same model, and different bytes for another model', async () => {
    expect((await renderPdf(arabicMinutes)).equals(arPdf)).toBe(true);
    expect((await renderPdf(frenchMinutes)).equals(frPdf)).toBe(true);
    const changed: DocumentModel = {
      ...frenchMinutes,
      blocks: [...frenchMinutes.blocks, { kind: 'paragraph', text: 'Additif.' }],
    };
    expect((await renderPdf(changed)).equals(frPdf)).toBe(false);
  });

  it('embeds the title, language, dates and accord keys in the Info dictionary', () => {
    const info = poppler('pdfinfo', [arFile]).toString('utf8');
    expect(info).toMatch(/^Title:\s+محضر الدورة الثانية عشرة للجنة المختلطة$/m);
    expect(info).toMatch(/^Producer:\s+accord$/m);
    expect(info).toMatch(/^CreationDate:\s+.*2026/m);
    expect(readPdfMetadata(arPdf)).toEqual({
      kind: 'minutes',
      contentHash: arabicMinutes.contentHash,
      lang: 'ar',
      renderer: accordPdfRenderer,
    });
    expect(readPdfMetadata(frPdf)).toEqual({
      kind: 'minutes',
      contentHash: frenchMinutes.contentHash,
      lang: 'fr',
      renderer: accordPdfRenderer,
    });
    const catalog = arPdf.toString('latin1');
    expect(catalog).toMatch(/\/Lang \(ar\)/);
    expect(catalog).toMatch(/\/DisplayDocTitle true/);
  });

  it('draws a document with no hash, no footer and a page break', async () => {
    const model: DocumentModel = {
      kind: 'results-report',
      lang: 'en',
      title: 'Results <report>',
      date: '2026-12-31T00:00:00Z',
      blocks: [
        { kind: 'paragraph', text: 'Before the break.' },
        { kind: 'page-break' },
        {
          kind: 'bar-chart',
          title: 'Stacked',
          stacked: true,
          categories: ['A', 'B'],
          series: [
            { label: 'x', values: [3, 1] },
            { label: 'y', values: [2, 5] },
          ],
        },
      ],
    };
    const file = writePdf(dir, 'en', await renderPdf(model));
    expect(pageCount(file)).toBe(2);
    // Alone on its line, pdftotext reads the page number's spaces as tight kerning.
    expect(pdfText(file, 1)).toMatch(/1 ?\/ ?2/);
    expect(pdfText(file, 2)).toContain('Stacked');
    expect(pdfText(file, 1)).not.toContain('SHA-256');
    expect(readPdfMetadata(await renderPdf(model))).toEqual({
      kind: 'results-report',
      contentHash: undefined,
      lang: 'en',
      renderer: accordPdfRenderer,
    });
  });

  it('refuses a date that is not an instant', async () => {
    await expect(renderPdf({ ...frenchMinutes, date: 'yesterday' })).rejects.toThrow(RangeError);
  });
});
