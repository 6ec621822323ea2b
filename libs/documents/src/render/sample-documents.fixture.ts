import type { DocumentModel } from './document-model';

/** Two minutes as the committee writes them, used by the render specs and the sample PNGs. */

const hash = '3f7a9c2e5b8d1f4a6c0e9b2d7f5a3c1e8b6d4f2a0c9e7b5d3f1a8c6e4b2d0f9a';

const frRows = Array.from({ length: 64 }, (_, i) => [
  `E-${String(i + 1).padStart(3, '0')}`,
  i % 7 === 3
    ? 'Réhabilitation du réseau d’irrigation de la plaine côtière, lot numéro deux, avec études géotechniques préalables'
    : `Engagement n° ${i + 1} — Élaboration`,
  i % 3 === 0 ? 'Réalisé' : i % 3 === 1 ? 'En cours' : 'Reporté',
  `${(i * 37) % 100} %`,
]);

const arRows = Array.from({ length: 64 }, (_, i) => [
  `E-${String(i + 1).padStart(3, '0')}`,
  i % 7 === 3
    ? 'إعادة تأهيل شبكة الري في السهل الساحلي، الحصة الثانية، مع الدراسات الجيوتقنية المسبقة'
    : `الالتزام رقم ${i + 1}`,
  i % 3 === 0 ? 'منجز' : i % 3 === 1 ? 'قيد التنفيذ' : 'مؤجل',
  `${(i * 37) % 100}%`,
]);

export const frenchMinutes: DocumentModel = {
  kind: 'minutes',
  lang: 'fr',
  title: 'Procès-verbal de la 12ᵉ session de la commission mixte',
  subtitle: 'Coopération énergétique et formation professionnelle',
  date: '2026-11-30T16:00:00Z',
  contentHash: hash,
  footer: 'Commission mixte — document certifié',
  blocks: [
    { kind: 'heading', level: 1, text: 'Ouverture de la séance' },
    {
      kind: 'fields',
      rows: [
        { label: 'Lieu', value: 'Salle des délégations, Rabat' },
        { label: 'Présidence', value: 'Mme Hélène Lefèvre et M. Karim Benjelloun' },
        { label: 'Présents', value: '14 délégués sur 16 (quorum atteint)' },
      ],
    },
    {
      kind: 'paragraph',
      text: 'La séance est ouverte à 9 h 30. Les délégations approuvent l’ordre du jour et prennent acte des engagements reportés lors de la session précédente, notamment « Centre de formation » à Kénitra.',
    },
    { kind: 'heading', level: 2, text: 'Ordre du jour' },
    {
      kind: 'list',
      ordered: true,
      items: [
        'Approbation du procès-verbal précédent',
        'Énergie solaire : état d’avancement',
        'Formation professionnelle',
        'Questions diverses',
      ],
    },
    {
      kind: 'table',
      caption: 'Suivi des engagements',
      columns: [
        { label: 'Réf.', width: 0.12 },
        { label: 'Engagement', width: 0.53 },
        { label: 'État', width: 0.2 },
        { label: 'Avancement', align: 'end', width: 0.15 },
      ],
      rows: frRows,
    },
    {
      kind: 'bar-chart',
      title: 'Engagements par domaine',
      unit: 'nombre',
      categories: ['Énergie', 'Formation', 'Eau', 'Santé'],
      series: [
        { label: 'Réalisés', values: [8, 5, 3, 2] },
        { label: 'En cours', values: [4, 6, 2, 1] },
      ],
    },
    {
      kind: 'line-chart',
      title: 'Taux de réalisation par session',
      unit: '%',
      points: ['S9', 'S10', 'S11', 'S12'],
      series: [
        { label: 'Énergie', values: [40, 52, 61, 75] },
        { label: 'Formation', values: [30, 35, 48, 55] },
      ],
    },
    { kind: 'paragraph', text: 'La séance est levée à 17 h.', tone: 'muted' },
  ],
};

export const arabicSentence = 'محضر اجتماع اللجنة المختلطة لا يجوز بشأن الطاقة الشمسية';
export const arabicMixedLine = 'الالتزام «Centre de formation» رقم 12';
/** Latin and digits at the logical end of an Arabic line: pdftotext gives it back exactly. */
export const arabicEndingInLatin = 'اسم المشروع بالفرنسية Centre de formation';

export const arabicMinutes: DocumentModel = {
  kind: 'minutes',
  lang: 'ar',
  title: 'محضر الدورة الثانية عشرة للجنة المختلطة',
  subtitle: 'التعاون في مجال الطاقة والتكوين المهني',
  date: '2026-11-30T16:00:00Z',
  contentHash: hash,
  footer: 'اللجنة المختلطة — وثيقة مصادق عليها',
  blocks: [
    { kind: 'heading', level: 1, text: 'افتتاح الجلسة' },
    {
      kind: 'fields',
      rows: [
        { label: 'المكان', value: 'قاعة الوفود، الرباط' },
        { label: 'الرئاسة', value: 'السيدة هيلين لوفيفر والسيد كريم بنجلون' },
        { label: 'الحاضرون', value: '14 مندوبا من أصل 16' },
      ],
    },
    { kind: 'paragraph', text: arabicSentence },
    { kind: 'paragraph', text: arabicMixedLine },
    { kind: 'paragraph', text: arabicEndingInLatin },
    { kind: 'heading', level: 2, text: 'جدول الأعمال' },
    {
      kind: 'list',
      ordered: true,
      items: ['المصادقة على المحضر السابق', 'الطاقة الشمسية: مدى التقدم', 'التكوين المهني', 'مسائل مختلفة'],
    },
    {
      kind: 'table',
      caption: 'تتبع الالتزامات',
      columns: [
        { label: 'المرجع', width: 0.14 },
        { label: 'الالتزام', width: 0.51 },
        { label: 'الحالة', width: 0.2 },
        { label: 'التقدم', align: 'end', width: 0.15 },
      ],
      rows: arRows,
    },
    {
      kind: 'bar-chart',
      title: 'الالتزامات حسب المجال',
      unit: 'عدد',
      categories: ['الطاقة', 'التكوين', 'الماء', 'الصحة'],
      series: [
        { label: 'منجزة', values: [8, 5, 3, 2] },
        { label: 'قيد التنفيذ', values: [4, 6, 2, 1] },
      ],
    },
    {
      kind: 'line-chart',
      title: 'نسبة الإنجاز حسب الدورة',
      unit: '%',
      points: ['S9', 'S10', 'S11', 'S12'],
      series: [
        { label: 'الطاقة', values: [40, 52, 61, 75] },
        { label: 'التكوين', values: [30, 35, 48, 55] },
      ],
    },
  ],
};
