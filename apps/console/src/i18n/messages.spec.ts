import { NAMESPACES } from './catalogues';
import type { Messages } from './messages';

/** Every key path of a catalogue, with the text it holds. */
function entries(messages: Messages, prefix = ''): [string, string][] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : entries(value, `${prefix}${key}.`),
  );
}

describe("the console's words", () => {
  it.each(Object.keys(NAMESPACES))('namespace %s has the same keys in English, French and Arabic', (namespace) => {
    const catalogue = NAMESPACES[namespace];
    const keys = (language: 'en' | 'fr' | 'ar') =>
      entries(catalogue[language])
        .map(([key]) => key)
        .sort();
    expect(keys('en').length).toBeGreaterThan(0);
    expect(keys('fr')).toEqual(keys('en'));
    expect(keys('ar')).toEqual(keys('en'));
  });

  it.each(Object.keys(NAMESPACES))(
    'namespace %s has no empty text and the same placeholders in each language',
    (namespace) => {
      const catalogue = NAMESPACES[namespace];
      const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
      const english = new Map(entries(catalogue.en));
      for (const language of ['fr', 'ar'] as const) {
        for (const [key, text] of entries(catalogue[language])) {
          expect([language, key, text.trim().length > 0]).toEqual([language, key, true]);
          expect([language, key, placeholders(text)]).toEqual([language, key, placeholders(english.get(key) ?? '')]);
        }
      }
    },
  );

  it('writes Arabic in Arabic script: most Arabic texts hold Arabic letters', () => {
    const all = Object.values(NAMESPACES).flatMap((catalogue) => entries(catalogue.ar));
    const arabic = all.filter(([, text]) => /[\u0600-\u06FF]/.test(text));
    // Language names, the product name and dashes stay as they are; nearly everything else is Arabic.
    expect(arabic.length / all.length).toBeGreaterThan(0.9);
  });
});
