import type { AgendaItemKind, Position } from '@accord/committee';
import type { DocumentLang } from '../render/document-model';
import { committeeTerms } from '../wording/committee-terms';

/**
 * The minutes' words in the committee's three languages. Dates are formatted here, not by
 * Intl: the PDF of adopted minutes is re-rendered to check a printed copy, so its text must
 * not change with the ICU data of a Node release.
 */
export interface MinutesWording {
  readonly title: string;
  readonly draft: string;
  readonly addendumTitle: (n: number) => string;
  readonly fields: {
    readonly agreement: string;
    readonly signed: string;
    readonly parties: string;
    readonly date: string;
    readonly venue: string;
    readonly present: string;
    readonly absent: string;
    readonly opened: string;
    readonly closed: string;
    readonly status: string;
    readonly corrects: string;
    readonly recorded: string;
  };
  readonly signedAt: (date: string, place: string) => string;
  readonly none: string;
  readonly notYet: string;
  readonly statuses: Readonly<Record<'scheduled' | 'open' | 'closed', string>>;
  readonly agenda: string;
  readonly agendaColumns: readonly [string, string, string, string];
  readonly proceedings: string;
  readonly decisions: string;
  readonly decisionColumns: readonly [string, string, string];
  readonly deferred: string;
  readonly documents: string;
  readonly noDecision: string;
  readonly noDeferral: string;
  readonly noProceedings: string;
  readonly committee: string;
  readonly kinds: Readonly<Record<AgendaItemKind, string>>;
  readonly positions: Readonly<Record<Position, string>>;
  readonly position: (position: string) => string;
  readonly changed: (from: string, to: string) => string;
  readonly decided: (outcome: string) => string;
  readonly deferral: string;
  readonly proposedDueDate: (date: string) => string;
  readonly note: (text: string) => string;
  readonly item: (n: number) => string;
  readonly text: string;
  readonly hash: string;
  readonly verify: string;
  readonly months: readonly string[];
  /** Between a date and a time. */
  readonly at: string;
}

const fr: MinutesWording = {
  title: 'Procès-verbal de la session du comité mixte',
  draft: 'Projet : la session n’est pas close, ce procès-verbal ne peut pas encore être approuvé.',
  addendumTitle: (n) => `Additif n° ${n} au procès-verbal de la session du comité mixte`,
  fields: {
    agreement: 'Accord',
    signed: 'Signé',
    parties: 'Parties',
    date: 'Date de la session',
    venue: 'Lieu',
    present: 'Présents',
    absent: 'Absents',
    opened: 'Ouverture',
    closed: 'Clôture',
    status: 'État',
    corrects: 'Corrige le procès-verbal adopté',
    recorded: 'Enregistré',
  },
  signedAt: (date, place) => `le ${date} à ${place}`,
  none: 'aucun',
  notYet: 'pas encore',
  statuses: { scheduled: 'programmée', open: 'ouverte', closed: 'close' },
  agenda: 'Ordre du jour',
  agendaColumns: ['N°', 'Engagement', 'Domaine', 'Objet'],
  proceedings: 'Déroulement',
  decisions: 'Décisions',
  decisionColumns: ['Point', 'Engagement', 'Décision'],
  deferred: 'Points reportés',
  documents: 'Documents de la session',
  noDecision: 'Aucune décision.',
  noDeferral: 'Aucun point reporté.',
  noProceedings: 'Aucune position n’a été exprimée.',
  committee: 'Comité',
  ...committeeTerms.fr,
  position: (p) => `position : ${p}`,
  changed: (from, to) => `change de position, de ${from} à ${to}`,
  decided: (o) => `le comité décide : ${o}`,
  deferral: 'point reporté à une session ultérieure',
  proposedDueDate: (d) => `nouvelle échéance proposée : ${d}`,
  note: (t) => `note : « ${t} »`,
  item: (n) => `Point ${n}`,
  text: 'Texte de l’additif',
  hash: 'Empreinte du contenu (SHA-256)',
  verify: 'Vérifier : accord minutes verify <fichier.pdf>',
  months: [
    'janvier',
    'février',
    'mars',
    'avril',
    'mai',
    'juin',
    'juillet',
    'août',
    'septembre',
    'octobre',
    'novembre',
    'décembre',
  ],
  at: 'à',
};

const en: MinutesWording = {
  title: 'Minutes of the session of the mixed committee',
  draft: 'Draft: the session is not closed, so these minutes cannot be approved yet.',
  addendumTitle: (n) => `Addendum ${n} to the minutes of the session of the mixed committee`,
  fields: {
    agreement: 'Agreement',
    signed: 'Signed',
    parties: 'Parties',
    date: 'Session date',
    venue: 'Venue',
    present: 'Present',
    absent: 'Absent',
    opened: 'Opened',
    closed: 'Closed',
    status: 'Status',
    corrects: 'Corrects the adopted minutes',
    recorded: 'Recorded',
  },
  signedAt: (date, place) => `on ${date} in ${place}`,
  none: 'none',
  notYet: 'not yet',
  statuses: { scheduled: 'scheduled', open: 'open', closed: 'closed' },
  agenda: 'Agenda',
  agendaColumns: ['No.', 'Commitment', 'Domain', 'Decision sought'],
  proceedings: 'Proceedings',
  decisions: 'Decisions',
  decisionColumns: ['Item', 'Commitment', 'Decision'],
  deferred: 'Deferred items',
  documents: 'Documents of the session',
  noDecision: 'No decision.',
  noDeferral: 'No item deferred.',
  noProceedings: 'No position was taken.',
  committee: 'Committee',
  ...committeeTerms.en,
  position: (p) => `position: ${p}`,
  changed: (from, to) => `changes its position from ${from} to ${to}`,
  decided: (o) => `the committee decides: ${o}`,
  deferral: 'item deferred to a later session',
  proposedDueDate: (d) => `proposed new due date: ${d}`,
  note: (t) => `note: “${t}”`,
  item: (n) => `Item ${n}`,
  text: 'Text of the addendum',
  hash: 'Content hash (SHA-256)',
  verify: 'Verify: accord minutes verify <file.pdf>',
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  at: 'at',
};

const ar: MinutesWording = {
  title: 'محضر اجتماع اللجنة المختلطة',
  draft: 'مسودة: لم يُختتم الاجتماع بعد، فلا يمكن اعتماد هذا المحضر الآن.',
  addendumTitle: (n) => `الملحق رقم ${n} لمحضر اجتماع اللجنة المختلطة`,
  fields: {
    agreement: 'الاتفاقية',
    signed: 'التوقيع',
    parties: 'الأطراف',
    date: 'تاريخ الاجتماع',
    venue: 'المكان',
    present: 'الحاضرون',
    absent: 'الغائبون',
    opened: 'الافتتاح',
    closed: 'الاختتام',
    status: 'الحالة',
    corrects: 'يصحّح المحضر المعتمد',
    recorded: 'تاريخ التسجيل',
  },
  signedAt: (date, place) => `في ${date} ب${place}`,
  none: 'لا أحد',
  notYet: 'لم يتم بعد',
  statuses: { scheduled: 'مبرمج', open: 'مفتوح', closed: 'مختتم' },
  agenda: 'جدول الأعمال',
  agendaColumns: ['الرقم', 'الالتزام', 'المجال', 'موضوع القرار'],
  proceedings: 'سير الاجتماع',
  decisions: 'القرارات',
  decisionColumns: ['البند', 'الالتزام', 'القرار'],
  deferred: 'البنود المؤجلة',
  documents: 'وثائق الاجتماع',
  noDecision: 'لم يُتخذ أي قرار.',
  noDeferral: 'لم يؤجَّل أي بند.',
  noProceedings: 'لم يُعبَّر عن أي موقف.',
  committee: 'اللجنة',
  ...committeeTerms.ar,
  position: (p) => `الموقف: ${p}`,
  changed: (from, to) => `غيّر موقفه من ${from} إلى ${to}`,
  decided: (o) => `قررت اللجنة: ${o}`,
  deferral: 'أُجّل البند إلى اجتماع لاحق',
  proposedDueDate: (d) => `الأجل الجديد المقترح: ${d}`,
  note: (t) => `ملاحظة: «${t}»`,
  item: (n) => `البند ${n}`,
  text: 'نص الملحق',
  hash: 'بصمة المحتوى (SHA-256)',
  verify: 'للتحقق: accord minutes verify <file.pdf>',
  months: [
    'يناير',
    'فبراير',
    'مارس',
    'أبريل',
    'مايو',
    'يونيو',
    'يوليو',
    'أغسطس',
    'سبتمبر',
    'أكتوبر',
    'نوفمبر',
    'ديسمبر',
  ],
  at: 'على الساعة',
};

export const minutesWording: Readonly<Record<DocumentLang, MinutesWording>> = { fr, en, ar };

/** `10 mars 2025` from an ISO date or instant (UTC). */
export function formatDate(iso: string, lang: DocumentLang): string {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number);
  return `${day} ${minutesWording[lang].months[month - 1]} ${year}`;
}

/** `09:30 UTC` from an ISO instant. */
export function formatTime(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

/** `10 mars 2025 à 09:30 UTC`. */
export function formatInstant(iso: string, lang: DocumentLang): string {
  return `${formatDate(iso, lang)} ${minutesWording[lang].at} ${formatTime(iso)}`;
}
