import type { Catalogue } from '../../i18n/messages';

/** The agreements views' words (namespace 'agreements'). */
export const messages: Catalogue = {
  en: { title: 'Agreements' },
  fr: { title: 'Accords' },
  ar: { title: 'الاتفاقيات' },
};
