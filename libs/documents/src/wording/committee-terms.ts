import type { AgendaItemKind, Position } from '@accord/committee';
import type { DocumentLang } from '../render/document-model';

/**
 * The committee's own vocabulary, in its three languages: what each kind of agenda item seeks
 * and each position a delegation takes. The minutes and the results report both name them,
 * so they are written once: a decision reads the same in either document.
 */
export interface CommitteeTerms {
  readonly kinds: Readonly<Record<AgendaItemKind, string>>;
  readonly positions: Readonly<Record<Position, string>>;
}

export const committeeTerms: Readonly<Record<DocumentLang, CommitteeTerms>> = {
  fr: {
    kinds: {
      review: 'examen',
      evaluation: 'évaluation',
      extension: 'prorogation du délai',
      suspension: 'suspension',
      resumption: 'reprise',
      reopening: 'réouverture',
    },
    positions: {
      approve: 'approuver',
      reject: 'rejeter',
      request_changes: 'demander des modifications',
      grant: 'accorder',
      deny: 'refuser',
      achieved: 'atteint',
      partially_achieved: 'partiellement atteint',
      not_achieved: 'non atteint',
    },
  },
  en: {
    kinds: {
      review: 'review',
      evaluation: 'evaluation',
      extension: 'extension of the due date',
      suspension: 'suspension',
      resumption: 'resumption',
      reopening: 'reopening',
    },
    positions: {
      approve: 'approve',
      reject: 'reject',
      request_changes: 'request changes',
      grant: 'grant',
      deny: 'deny',
      achieved: 'achieved',
      partially_achieved: 'partially achieved',
      not_achieved: 'not achieved',
    },
  },
  ar: {
    kinds: {
      review: 'دراسة',
      evaluation: 'تقييم',
      extension: 'تمديد الأجل',
      suspension: 'تعليق',
      resumption: 'استئناف',
      reopening: 'إعادة فتح',
    },
    positions: {
      approve: 'الموافقة',
      reject: 'الرفض',
      request_changes: 'طلب تعديلات',
      grant: 'القبول',
      deny: 'عدم القبول',
      achieved: 'تحقق',
      partially_achieved: 'تحقق جزئيا',
      not_achieved: 'لم يتحقق',
    },
  },
};
