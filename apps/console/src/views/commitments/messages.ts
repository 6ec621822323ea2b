import type { Catalogue } from '../../i18n/messages';

/** The commitments views' words (namespace 'commitments'). */
export const messages: Catalogue = {
  en: { title: 'Commitments' },
  fr: { title: 'Engagements' },
  ar: { title: 'الالتزامات' },
};
