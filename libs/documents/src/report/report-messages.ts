import type { CommitmentStatus, EvaluationOutcome } from '@accord/commitments';
import { committeeTerms, type CommitteeTerms } from '../wording/committee-terms';
import type { DocumentLang } from '../render/document-model';
import type { Grade } from './results-report';

/** Every word of the printed results report, in each language: one place to translate. */
export interface ReportMessages {
  title: string;
  subtitle: (agreement: string) => string;
  footer: (position: number) => string;
  period: string;
  generatedFrom: string;
  asOfPosition: (position: number) => string;
  commitments: string;
  graded: string;
  averageProgress: string;
  weightedProgress: string;
  groupGrade: string;
  overdue: string;
  extended: string;
  overall: string;
  byDomain: string;
  byParty: string;
  domain: string;
  party: string;
  status: string;
  count: string;
  grade: string;
  gradesByDomain: string;
  evaluations: string;
  overdueItems: string;
  extendedItems: string;
  noneInPeriod: string;
  commitment: string;
  dueDate: string;
  previousDueDate: string;
  newDueDate: string;
  extendedOn: string;
  sessions: string;
  session: string;
  venue: string;
  closedOn: string;
  decided: string;
  deferred: string;
  decisions: string;
  kind: string;
  outcome: string;
  trends: string;
  trendChart: string;
  method: string;
  weights: string;
  notGraded: string;
  statuses: Record<CommitmentStatus, string>;
  grades: Record<Grade, string>;
  outcomes: Record<EvaluationOutcome | 'not_evaluated', string>;
  kinds: CommitteeTerms['kinds'];
  positions: CommitteeTerms['positions'];
  priorities: Record<string, string>;
  methodNotes: string[];
}

const fr: ReportMessages = {
  title: 'Rapport des résultats de la coopération',
  subtitle: (agreement) => agreement,
  footer: (position) => `Rapport des résultats · position du journal ${position}`,
  period: 'Période',
  generatedFrom: 'Établi à partir de',
  asOfPosition: (position) => `position ${position} du journal des événements`,
  commitments: 'Engagements',
  graded: 'Engagements notés',
  averageProgress: 'Avancement moyen (%)',
  weightedProgress: 'Avancement pondéré (%)',
  groupGrade: 'Appréciation',
  overdue: 'En retard',
  extended: 'Prorogés',
  overall: 'Vue d’ensemble',
  byDomain: 'Par domaine',
  byParty: 'Par partie',
  domain: 'Domaine',
  party: 'Partie',
  status: 'Statut',
  count: 'Nombre',
  grade: 'Appréciation',
  gradesByDomain: 'Appréciations par domaine',
  evaluations: 'Évaluations',
  overdueItems: 'Engagements en retard',
  extendedItems: 'Échéances prorogées pendant la période',
  noneInPeriod: 'Aucun.',
  commitment: 'Engagement',
  dueDate: 'Échéance',
  previousDueDate: 'Ancienne échéance',
  newDueDate: 'Nouvelle échéance',
  extendedOn: 'Prorogée le',
  sessions: 'Décisions par session',
  session: 'Session',
  venue: 'Lieu',
  closedOn: 'Clôturée le',
  decided: 'Décisions',
  deferred: 'Reportés',
  decisions: 'Décisions',
  kind: 'Nature',
  outcome: 'Décision',
  trends: 'Évolution entre les sessions',
  trendChart: 'Avancement à la clôture de chaque session',
  method: 'Méthode',
  weights: 'Pondération par priorité : faible 1, normale 2, haute 3.',
  notGraded: 'non noté',
  statuses: {
    proposed: 'proposé',
    under_review: 'en examen',
    changes_requested: 'modifications demandées',
    approved: 'approuvé',
    in_progress: 'en cours',
    completed: 'achevé',
    evaluated: 'évalué',
    suspended: 'suspendu',
    rejected: 'rejeté',
    withdrawn: 'retiré',
    closed: 'clos',
  },
  grades: {
    no_evidence: 'sans preuve',
    not_started: 'non commencé',
    limited: 'limité',
    substantial: 'substantiel',
    complete: 'achevé',
  },
  outcomes: {
    achieved: 'atteint',
    partially_achieved: 'partiellement atteint',
    not_achieved: 'non atteint',
    not_evaluated: 'pas encore évalué',
  },
  ...committeeTerms.fr,
  priorities: { low: 'faible', normal: 'normale', high: 'haute' },
  methodNotes: [
    'Les chiffres sont calculés à partir des événements eux-mêmes, jusqu’à la fin de la période.',
    'Un engagement est noté une fois approuvé ; les engagements proposés, retirés ou rejetés ne le sont pas.',
    'L’avancement est le dernier pourcentage déclaré, et 100 une fois l’engagement achevé.',
    'Échelle du Partenariat pour un gouvernement ouvert : sans preuve (avancement déclaré sans aucune preuve), non commencé (0 %), limité (moins de 50 %), substantiel (de 50 % à moins de 100 %), achevé.',
  ],
};

const en: ReportMessages = {
  title: 'Results report of the cooperation',
  subtitle: (agreement) => agreement,
  footer: (position) => `Results report · log position ${position}`,
  period: 'Period',
  generatedFrom: 'Generated from',
  asOfPosition: (position) => `position ${position} of the event log`,
  commitments: 'Commitments',
  graded: 'Graded commitments',
  averageProgress: 'Average progress (%)',
  weightedProgress: 'Weighted progress (%)',
  groupGrade: 'Grade',
  overdue: 'Overdue',
  extended: 'Extended',
  overall: 'Overview',
  byDomain: 'By domain',
  byParty: 'By party',
  domain: 'Domain',
  party: 'Party',
  status: 'Status',
  count: 'Count',
  grade: 'Grade',
  gradesByDomain: 'Grades by domain',
  evaluations: 'Evaluations',
  overdueItems: 'Overdue commitments',
  extendedItems: 'Due dates extended in the period',
  noneInPeriod: 'None.',
  commitment: 'Commitment',
  dueDate: 'Due date',
  previousDueDate: 'Previous due date',
  newDueDate: 'New due date',
  extendedOn: 'Extended on',
  sessions: 'Decisions per session',
  session: 'Session',
  venue: 'Venue',
  closedOn: 'Closed on',
  decided: 'Decided',
  deferred: 'Deferred',
  decisions: 'Decisions',
  kind: 'Kind',
  outcome: 'Outcome',
  trends: 'Trends between sessions',
  trendChart: 'Progress at the close of each session',
  method: 'Method',
  weights: 'Weights by priority: low 1, normal 2, high 3.',
  notGraded: 'not graded',
  statuses: {
    proposed: 'proposed',
    under_review: 'under review',
    changes_requested: 'changes requested',
    approved: 'approved',
    in_progress: 'in progress',
    completed: 'completed',
    evaluated: 'evaluated',
    suspended: 'suspended',
    rejected: 'rejected',
    withdrawn: 'withdrawn',
    closed: 'closed',
  },
  grades: {
    no_evidence: 'no evidence',
    not_started: 'not started',
    limited: 'limited',
    substantial: 'substantial',
    complete: 'complete',
  },
  outcomes: {
    achieved: 'achieved',
    partially_achieved: 'partially achieved',
    not_achieved: 'not achieved',
    not_evaluated: 'not yet evaluated',
  },
  ...committeeTerms.en,
  priorities: { low: 'low', normal: 'normal', high: 'high' },
  methodNotes: [
    'The figures are computed from the events themselves, up to the end of the period.',
    'A commitment is graded once approved; proposed, withdrawn and rejected commitments are not graded.',
    'Progress is the last percent reported, and 100 once the commitment is completed.',
    'Open Government Partnership scale: no evidence (progress reported without any evidence), not started (0%), limited (below 50%), substantial (50% to below 100%), complete.',
  ],
};

const ar: ReportMessages = {
  title: 'تقرير نتائج التعاون',
  subtitle: (agreement) => agreement,
  footer: (position) => `تقرير النتائج · الموضع ${position} في السجل`,
  period: 'الفترة',
  generatedFrom: 'أُعدّ انطلاقاً من',
  asOfPosition: (position) => `الموضع ${position} في سجل الأحداث`,
  commitments: 'الالتزامات',
  graded: 'الالتزامات المقيّمة',
  averageProgress: 'متوسط التقدم (%)',
  weightedProgress: 'التقدم المرجّح (%)',
  groupGrade: 'الدرجة',
  overdue: 'متأخرة',
  extended: 'مُمدَّدة',
  overall: 'نظرة عامة',
  byDomain: 'حسب المجال',
  byParty: 'حسب الطرف',
  domain: 'المجال',
  party: 'الطرف',
  status: 'الحالة',
  count: 'العدد',
  grade: 'الدرجة',
  gradesByDomain: 'الدرجات حسب المجال',
  evaluations: 'التقييمات',
  overdueItems: 'الالتزامات المتأخرة',
  extendedItems: 'الآجال الممدَّدة خلال الفترة',
  noneInPeriod: 'لا شيء.',
  commitment: 'الالتزام',
  dueDate: 'الأجل',
  previousDueDate: 'الأجل السابق',
  newDueDate: 'الأجل الجديد',
  extendedOn: 'تاريخ التمديد',
  sessions: 'القرارات حسب الدورة',
  session: 'الدورة',
  venue: 'المكان',
  closedOn: 'تاريخ الاختتام',
  decided: 'القرارات',
  deferred: 'المؤجَّلة',
  decisions: 'القرارات',
  kind: 'النوع',
  outcome: 'القرار',
  trends: 'التطور بين الدورات',
  trendChart: 'التقدم عند اختتام كل دورة',
  method: 'المنهجية',
  weights: 'الترجيح حسب الأولوية: منخفضة 1، عادية 2، عالية 3.',
  notGraded: 'غير مقيّم',
  statuses: {
    proposed: 'مقترح',
    under_review: 'قيد الدراسة',
    changes_requested: 'تعديلات مطلوبة',
    approved: 'معتمد',
    in_progress: 'قيد التنفيذ',
    completed: 'منجز',
    evaluated: 'مُقيَّم',
    suspended: 'معلّق',
    rejected: 'مرفوض',
    withdrawn: 'مسحوب',
    closed: 'مغلق',
  },
  grades: {
    no_evidence: 'بلا إثبات',
    not_started: 'لم يبدأ',
    limited: 'محدود',
    substantial: 'كبير',
    complete: 'مكتمل',
  },
  outcomes: {
    achieved: 'متحقق',
    partially_achieved: 'متحقق جزئياً',
    not_achieved: 'غير متحقق',
    not_evaluated: 'لم يُقيَّم بعد',
  },
  ...committeeTerms.ar,
  priorities: { low: 'منخفضة', normal: 'عادية', high: 'عالية' },
  methodNotes: [
    'تُحسب الأرقام انطلاقاً من الأحداث نفسها، حتى نهاية الفترة.',
    'يُقيَّم الالتزام بعد اعتماده؛ ولا تُقيَّم الالتزامات المقترحة أو المسحوبة أو المرفوضة.',
    'التقدم هو آخر نسبة مُبلَّغ عنها، و100 بعد إنجاز الالتزام.',
    'سلّم شراكة الحكومة المنفتحة: بلا إثبات (تقدم مُبلَّغ عنه دون أي إثبات)، لم يبدأ (0%)، محدود (أقل من 50%)، كبير (من 50% إلى أقل من 100%)، مكتمل.',
  ],
};

export const reportMessages: Readonly<Record<DocumentLang, ReportMessages>> = { fr, en, ar };

/** Dates as the language writes them, always with Western digits; Arabic month names as the minutes and the page header write them (يوليو, not the Maghreb's يوليوز). */
export function formatReportDate(iso: string, lang: DocumentLang, withTime = false): string {
  const locale = { fr: 'fr-FR', en: 'en-GB', ar: 'ar' }[lang];
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return new Intl.DateTimeFormat(`${locale}-u-nu-latn`, {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
  }).format(date);
}

/** Numbers as digits: up to 2 decimals, the language's decimal mark, never grouped. */
export function formatReportNumber(value: number | null, lang: DocumentLang): string {
  if (value === null) return '—';
  const text = String(Math.round(value * 100) / 100);
  return lang === 'fr' ? text.replace('.', ',') : text;
}
