import type { Catalogue } from '../../i18n/messages';

/** The audit views' words (namespace 'audit'). */
export const messages: Catalogue = {
  en: { title: 'Audit' },
  fr: { title: 'Audit' },
  ar: { title: 'التدقيق' },
};
