import type { DocumentModel } from './document-model';
import { renderHtml } from './html-renderer';
import { arabicMinutes, frenchMinutes } from './sample-documents.fixture';

const hostile: DocumentModel = {
  kind: 'results-report',
  lang: 'en',
  title: '<script>alert("x")</script> & "quotes"',
  date: '2026-12-31T00:00:00Z',
  blocks: [
    { kind: 'paragraph', text: '<img src=x onerror=alert(1)>' },
    { kind: 'table', caption: '<b>cap</b>', columns: [{ label: '<th>' }], rows: [['</td><script>']] },
    { kind: 'bar-chart', title: '</title><script>', categories: ['<a>'], series: [{ label: '"s"', values: [1] }] },
  ],
};

describe('renderHtml', () => {
  it('escapes every text it is given, so a title cannot inject markup', () => {
    const html = renderHtml(hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;</title>');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;');
  });

  it('is a standalone page that fetches nothing', () => {
    const html = renderHtml(frenchMinutes);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="fr" dir="ltr">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).not.toMatch(/<link|<script|@import|url\(|src=/i);
    expect(html).toMatch(/font-family: "Noto Sans", "Amiri", system-ui/);
    expect(html).toMatch(/@page \{ size: A4;/);
    expect(html).toContain('break-after: page');
    // Only logical properties: no physical left/right that would not mirror in Arabic.
    expect(html).not.toMatch(/(margin|padding|border)-(left|right)|text-align: (left|right)|float: (left|right)/);
  });

  it('sets dir="rtl" for Arabic and carries the kind and the content hash as meta and in the footer', () => {
    const html = renderHtml(arabicMinutes);
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(`<meta name="accord-content-hash" content="${arabicMinutes.contentHash}">`);
    expect(html).toContain('<meta name="accord-document-kind" content="minutes">');
    expect(html).toMatch(
      new RegExp(`<footer class="document-footer">.*SHA-256 <code>${arabicMinutes.contentHash}</code>`),
    );
    expect(html).toContain('محضر اجتماع اللجنة المختلطة لا يجوز بشأن الطاقة الشمسية');
    expect(renderHtml({ ...arabicMinutes, contentHash: undefined })).not.toContain('accord-content-hash');
  });

  it('writes tables with a caption and scoped headers, and charts as titled SVG with their figures in a table', () => {
    const html = renderHtml(frenchMinutes);
    expect(html).toContain('<caption>Suivi des engagements</caption>');
    expect(html).toContain('<th scope="col">Réf.</th>');
    expect(html).toContain('<th scope="col" class="end">Avancement</th>');
    expect(html).toContain('<th scope="row">E-064</th>');
    expect(html.match(/<tbody>/g)?.length).toBe(3);
    expect(html).toMatch(
      /<svg [^>]*role="img" aria-labelledby="chart-1-title"[^>]*><title id="chart-1-title">Engagements par domaine \(nombre\)<\/title>/,
    );
    expect(html).toMatch(
      /<table class="visually-hidden"><caption>Taux de réalisation par session \(%\)<\/caption>.*<th scope="row">S12<\/th><td>75<\/td><td>55<\/td>/,
    );
    expect(html).toContain('<ol><li>Approbation du procès-verbal précédent</li>');
    expect(html).toContain('<dt>Lieu</dt><dd>Salle des délégations, Rabat</dd>');
  });

  it('mirrors a bar chart in Arabic: bars start at the category labels on the right', () => {
    const bars = (html: string) =>
      [...html.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="12"/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
    const ltr = bars(renderHtml(frenchMinutes));
    const rtl = bars(renderHtml(arabicMinutes));
    expect(rtl).toHaveLength(ltr.length);
    ltr.forEach(([x, w], i) => {
      expect(rtl[i][1]).toBeCloseTo(w);
      expect(rtl[i][0]).toBeCloseTo(640 - x - w);
    });
  });
});
