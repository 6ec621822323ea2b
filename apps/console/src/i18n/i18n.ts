import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { NAMESPACES } from './catalogues';

export const LANGUAGES = ['en', 'fr', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Arabic is written right to left: the whole page mirrors (dir="rtl"); CSS uses logical properties. */
export const directionOf = (language: string): 'ltr' | 'rtl' => (language === 'ar' ? 'rtl' : 'ltr');

/** The language is a preference, not a secret: it is kept in localStorage (the key never is). */
const PREFERENCE = 'accord.language';

function initialLanguage(): Language {
  const kept = localStorage.getItem(PREFERENCE);
  if (kept && (LANGUAGES as readonly string[]).includes(kept)) return kept as Language;
  const browser = navigator.language.slice(0, 2);
  return (LANGUAGES as readonly string[]).includes(browser) ? (browser as Language) : 'en';
}

function applyToDocument(language: string): void {
  document.documentElement.lang = language;
  document.documentElement.dir = directionOf(language);
}

export async function startI18n(): Promise<typeof i18next> {
  const resources: Record<string, Record<string, object>> = {};
  for (const language of LANGUAGES) {
    resources[language] = {};
    for (const [namespace, catalogue] of Object.entries(NAMESPACES))
      resources[language][namespace] = catalogue[language];
  }
  i18next.on('languageChanged', applyToDocument);
  await i18next.use(initReactI18next).init({
    resources,
    lng: initialLanguage(),
    fallbackLng: 'en',
    ns: Object.keys(NAMESPACES),
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyToDocument(i18next.language);
  return i18next;
}

export async function changeLanguage(language: Language): Promise<void> {
  localStorage.setItem(PREFERENCE, language);
  await i18next.changeLanguage(language);
}
