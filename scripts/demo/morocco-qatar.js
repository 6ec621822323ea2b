// @ts-check
// The demo data: the Morocco–Qatar security-cooperation agreement of the seed story
// (docs/design.md, "the story it was born from"). Everything the story states is used as it
// states it; what it does not state is marked as plausible invention in a comment.
const { v5: uuidv5 } = require('uuid');

/**
 * Fixed, so that every run addresses the same agreement: uuid v5 of "agreement" in the
 * namespace uuid v5("https://accord.dev/demo/morocco-qatar-2014", URL).
 */
const AGREEMENT_ID = '034d8a65-2472-5b03-b245-3bde02381164';

/** Commitment ids are derived from the agreement id and a stable slug: the same on every run. */
const commitmentId = (/** @type {string} */ slug) => uuidv5(`commitment/${slug}`, AGREEMENT_ID);

/**
 * The domains of cooperation, in the story's order and wording ("les domaines de la lutte
 * contre le terrorisme et le crime organisé, le trafic international de drogue et des êtres
 * humains, la criminalité financière, la cybercriminalité, la falsification des documents de
 * voyage et la sécurisation du passage des frontières", then the exchange of experience on
 * "la gestion des crises, la sécurisation des stades et les techniques d'intervention
 * sécuritaire"): eleven. The story names financial crime, not money laundering.
 */
const DOMAINS = /** @type {const} */ ([
  'counter-terrorism',
  'organised crime',
  'international drug trafficking',
  'international trafficking in human beings',
  'financial crime',
  'cybercrime',
  'forgery of travel documents',
  'securing border crossings',
  'crisis management',
  'stadium security',
  'security intervention techniques',
]);

/**
 * The story: signed in Rabat on 11 March 2014 ("signé à Rabat le 11 mars 2014"). The
 * title is ours; the story calls it "l'accord de coopération bilatérale ... dans le domaine
 * de la sécurité". Agencies are those the story names: the Moroccan delegation represented
 * the DGSN (Direction générale de la sûreté nationale) and the DGST (Direction générale de
 * la surveillance du territoire); the Qatari one the Ministry of Interior (ministère de
 * l'Intérieur), led by the Director General of the national police (police nationale).
 */
const AGREEMENT = {
  id: AGREEMENT_ID,
  title: 'Agreement on security cooperation between the Kingdom of Morocco and the State of Qatar',
  signedAt: '2014-03-11',
  signedIn: 'Rabat',
  parties: [
    // Royaume du Maroc
    { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN', 'DGST'] },
    // État du Qatar
    { code: 'QA', name: 'State of Qatar', agencies: ['Ministry of Interior', 'National Police'] },
  ],
  domains: [...DOMAINS],
};

/**
 * @typedef {object} DemoCommitment
 * @property {string} slug stable name the id is derived from
 * @property {'MA' | 'QA'} party the proposing (owning) party
 * @property {(typeof DOMAINS)[number]} domain
 * @property {string} title
 * @property {string} description
 * @property {string[]} leadAgencies
 * @property {number} dueInMonths due date: the end of the month this many months from the run
 * @property {'low' | 'normal' | 'high'} priority
 */

/**
 * A dozen proposals, six per party, covering all eleven domains. The story lists domains,
 * not actions: these commitments are plausible inventions for the demo.
 * @type {DemoCommitment[]}
 */
const COMMITMENTS = [
  {
    slug: 'ma-counter-terrorism-liaison',
    party: 'MA',
    domain: 'counter-terrorism',
    title: 'Counter-terrorism liaison officers and intelligence exchange',
    description:
      'Name a liaison officer on each side and set up a secure channel for exchanging counter-terrorism intelligence, with an agreed handling code.',
    leadAgencies: ['DGST'],
    dueInMonths: 6,
    priority: 'high',
  },
  {
    slug: 'ma-drug-routes',
    party: 'MA',
    domain: 'international drug trafficking',
    title: 'Joint analysis of international drug-trafficking routes',
    description:
      'Produce a joint yearly analysis of the routes, concealment methods and networks of international drug trafficking that concern both countries.',
    leadAgencies: ['DGSN'],
    dueInMonths: 12,
    priority: 'normal',
  },
  {
    slug: 'ma-cybercrime-contact-point',
    party: 'MA',
    domain: 'cybercrime',
    title: '24/7 contact point for cybercrime cases',
    description:
      'Open a round-the-clock contact point on each side for urgent cybercrime requests: preservation of digital evidence and identification of offenders.',
    leadAgencies: ['DGSN'],
    dueInMonths: 9,
    priority: 'normal',
  },
  {
    slug: 'ma-travel-document-forgery',
    party: 'MA',
    domain: 'forgery of travel documents',
    title: 'Training in the detection of forged travel documents',
    description:
      'Train Qatari document examiners in Moroccan techniques for detecting forged and altered travel documents, and exchange specimens of genuine documents.',
    leadAgencies: ['DGSN'],
    dueInMonths: 12,
    priority: 'normal',
  },
  {
    slug: 'ma-intervention-techniques',
    party: 'MA',
    domain: 'security intervention techniques',
    title: 'Exchange of special intervention units',
    description:
      'Hold a joint training course for the special intervention units of both sides on hostage rescue and high-risk arrests.',
    leadAgencies: ['DGSN', 'DGST'],
    dueInMonths: 18,
    priority: 'low',
  },
  {
    slug: 'ma-stadium-security-plan',
    party: 'MA',
    domain: 'stadium security',
    title: 'Stadium-security plan for the major tournaments Morocco hosts',
    description:
      "Draw up, with the benefit of Qatar's experience, a stadium-security plan for the major football tournaments Morocco hosts: crowd control, access and accreditation, command posts.",
    leadAgencies: ['DGSN'],
    dueInMonths: 24,
    priority: 'high',
  },
  {
    slug: 'qa-stadium-security-experience',
    party: 'QA',
    domain: 'stadium security',
    title: 'Share the stadium-security experience of the 2022 FIFA World Cup',
    description:
      'Share the stadium-security organisation Qatar ran for the 2022 FIFA World Cup: the operations centre, spectator screening and the coordination of the forces involved.',
    leadAgencies: ['Ministry of Interior'],
    dueInMonths: 6,
    priority: 'high',
  },
  {
    slug: 'qa-organised-crime-team',
    party: 'QA',
    domain: 'organised crime',
    title: 'Joint team on transnational organised-crime networks',
    description:
      'Set up a joint team that exchanges information on transnational organised-crime networks active in both countries and coordinates investigations.',
    leadAgencies: ['National Police'],
    dueInMonths: 12,
    priority: 'normal',
  },
  {
    slug: 'qa-human-trafficking-victims',
    party: 'QA',
    domain: 'international trafficking in human beings',
    title: 'Common indicators for identifying victims of trafficking in human beings',
    description:
      'Agree on common indicators and a referral procedure for identifying and protecting victims of trafficking in human beings, and train front-line officers in them.',
    leadAgencies: ['Ministry of Interior'],
    dueInMonths: 12,
    priority: 'normal',
  },
  {
    slug: 'qa-financial-crime',
    party: 'QA',
    domain: 'financial crime',
    title: 'Channel for exchanging information on financial crime',
    description:
      'Open a channel for the police services of both sides to exchange information on cross-border financial crime: fraud, illicit transfers and the proceeds of crime.',
    leadAgencies: ['National Police'],
    dueInMonths: 9,
    priority: 'normal',
  },
  {
    slug: 'qa-border-crossings',
    party: 'QA',
    domain: 'securing border crossings',
    title: 'Exchange of practice on securing border crossings',
    description:
      'Exchange practice on securing air border crossings: advance passenger information, watch lists and the checking of travellers at the border.',
    leadAgencies: ['Ministry of Interior'],
    dueInMonths: 12,
    priority: 'normal',
  },
  {
    slug: 'qa-crisis-management-exercise',
    party: 'QA',
    domain: 'crisis management',
    title: 'Joint crisis-management exercise',
    description:
      'Run a joint tabletop exercise on managing a major security crisis during a large public event, then share the lessons learnt.',
    leadAgencies: ['Ministry of Interior', 'National Police'],
    dueInMonths: 15,
    priority: 'normal',
  },
];

/**
 * The one revision the demo makes (while proposed, a party may revise its own proposal):
 * Morocco makes its cybercrime contact point a joint DGSN–DGST one, of high priority.
 */
const REVISION = {
  slug: 'ma-cybercrime-contact-point',
  changes: { leadAgencies: ['DGSN', 'DGST'], priority: 'high' },
};

module.exports = { AGREEMENT, AGREEMENT_ID, DOMAINS, COMMITMENTS, REVISION, commitmentId };
