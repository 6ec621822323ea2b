import { bundledCoverage } from './pdf-fonts';
import { layoutLine, wrapText, type TextMeasure } from './text-layout';

// Every character is 5 points wide: the layout's decisions, not the fonts' metrics, are under test here.
const monospace: TextMeasure = { width: (_font, text) => Array.from(text).length * 5 };
const ar = { rtl: true, weight: 'regular', size: 10 } as const;
const fr = { rtl: false, weight: 'regular', size: 10 } as const;

describe('text layout', () => {
  it('hands an Arabic line to the shaper whole and in logical order (fontkit draws it right to left)', () => {
    const line = layoutLine('محضر اجتماع اللجنة', ar, bundledCoverage, monospace);
    expect(line.runs).toEqual([{ text: 'محضر اجتماع اللجنة', font: 'arabic-regular', x: 0, width: 90 }]);
  });

  it('orders a mixed Arabic line visually: digits on the left, the French title in the middle, mirrored quotes', () => {
    const line = layoutLine('الالتزام «Centre de formation» رقم 12', ar, bundledCoverage, monospace);
    expect(line.runs.map((r) => [r.text, r.font])).toEqual([
      ['12', 'latin-regular'],
      ['رقم ', 'arabic-regular'],
      // The closing guillemet, mirrored, seen left of the title; given in visual order (fontkit keeps Latin left to right).
      [' «', 'latin-regular'],
      ['Centre de formation', 'latin-regular'],
      ['»', 'latin-regular'],
      ['الالتزام ', 'arabic-regular'],
    ]);
    expect(line.runs.map((r) => r.x)).toEqual([0, 10, 30, 40, 135, 140]);
  });

  it('keeps an Arabic quotation in a French line in place', () => {
    const line = layoutLine('Le mot اللجنة désigne la commission', fr, bundledCoverage, monospace);
    // A space takes the face of the letter before it; this one is left to right, so a run of its own.
    expect(line.runs.map((r) => [r.text, r.font])).toEqual([
      ['Le mot ', 'latin-regular'],
      ['اللجنة', 'arabic-regular'],
      [' ', 'arabic-regular'],
      ['désigne la commission', 'latin-regular'],
    ]);
  });

  it('breaks lines at spaces within the width, keeps every word in order, and cuts a word wider than the line', () => {
    const text = 'محضر اجتماع اللجنة المختلطة لا يجوز بشأن الطاقة الشمسية';
    const lines = wrapText(text, { ...ar, maxWidth: 100 }, bundledCoverage, monospace);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.width).toBeLessThanOrEqual(100);
    expect(lines.map((l) => l.runs.map((r) => r.text).join('')).join(' ')).toBe(text);

    const hash = 'f'.repeat(50);
    const cut = wrapText(`SHA-256 ${hash}`, { ...fr, maxWidth: 100 }, bundledCoverage, monospace);
    expect(cut.map((l) => l.runs.map((r) => r.text).join(''))).toEqual([
      'SHA-256',
      'f'.repeat(20),
      'f'.repeat(20),
      'f'.repeat(10),
    ]);
    expect(wrapText('   ', { ...fr, maxWidth: 100 }, bundledCoverage, monospace)).toEqual([]);
  });

  it('draws Latin letters outside Noto Sans latin with latin-ext', () => {
    const line = layoutLine('Łódź', fr, bundledCoverage, monospace);
    expect(line.runs.map((r) => [r.text, r.font])).toEqual([
      ['Ł', 'latin-ext-regular'],
      ['ód', 'latin-regular'],
      ['ź', 'latin-ext-regular'],
    ]);
  });
});
