import type { Catalogue } from '../../i18n/messages';

/** The sessions views' words (namespace 'sessions'). */
export const messages: Catalogue = {
  en: { title: 'Sessions' },
  fr: { title: 'Sessions' },
  ar: { title: 'الدورات' },
};
