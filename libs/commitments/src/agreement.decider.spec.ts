import { givenWhenThen } from './testing/given-when-then';
import { agreementContextOf } from './agreement.context';
import type { AmendAgreementDomains, RegisterAgreement } from './agreement.commands';
import { agreementDecider, evolveAgreement } from './agreement.decider';
import type { AgreementEvent, AgreementRegistered } from './agreement.events';
import { isAgreementEvent } from './agreement.events';
import { initialAgreementState } from './agreement.state';
import type { Actor } from './command.types';
import { fold } from './decider.types';
import { ForbiddenError, IllegalTransitionError, NotFoundError, RuleViolatedError } from './domain.errors';

const given = givenWhenThen(agreementDecider);

const NOW = '2025-02-01T09:00:00.000Z';
const secretariat: Actor = { id: 'secretary-1', role: 'secretariat' };
const ctx = (actor: Actor = secretariat, now = NOW) => ({ actor, now });

const registration: RegisterAgreement['data'] = {
  agreementId: 'ma-qa-2014',
  title: 'Bilateral security-cooperation agreement',
  signedAt: '2014-03-11',
  signedIn: 'Rabat',
  parties: [
    { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN', 'DGST'] },
    { code: 'QA', name: 'State of Qatar', agencies: ['Ministry of Interior'] },
  ],
  domains: ['counter-terrorism', 'organised-crime', 'cybercrime'],
};
const register = (patch: Partial<RegisterAgreement['data']> = {}, actor?: Actor): RegisterAgreement => ({
  type: 'RegisterAgreement',
  data: { ...registration, ...patch },
  context: ctx(actor),
});
const amend = (domains: string[], actor?: Actor): AmendAgreementDomains => ({
  type: 'AmendAgreementDomains',
  data: { agreementId: 'ma-qa-2014', domains },
  context: ctx(actor),
});
const registered: AgreementRegistered = { type: 'AgreementRegistered', data: registration };

describe('RegisterAgreement', () => {
  it('records the agreement with its parties and domains', () => {
    const state = given().when(register()).then([registered]);
    expect(state).toEqual({ status: 'registered', ...registration });
  });

  it.each<Actor>([
    { id: 'admin-1', role: 'admin' },
    { id: 'seed', role: 'system' },
  ])('may be sent by $role', (actor) => {
    expect(given().when(register({}, actor)).events()).toHaveLength(1);
  });

  it.each<Actor>([
    { id: 'gw', role: 'integration', party: 'MA' },
    { id: 'd', role: 'delegate', party: 'QA' },
    { id: 'a', role: 'auditor' },
  ])('is forbidden to $role', (actor) => {
    given().when(register({}, actor)).thenThrows(ForbiddenError, { code: 'FORBIDDEN', command: 'RegisterAgreement' });
  });

  it('happens once', () => {
    given(registered).when(register()).thenThrows(IllegalTransitionError, {
      code: 'ILLEGAL_TRANSITION',
      state: 'registered',
      command: 'RegisterAgreement',
    });
  });

  const one = registration.parties[0];
  const violations: [string, Partial<RegisterAgreement['data']>, string][] = [
    ['a blank title', { title: ' ' }, 'title-required'],
    ['a blank id', { agreementId: '' }, 'agreement-id-required'],
    ['a signing date that is no date', { signedAt: '11/03/2014' }, 'signed-at-is-iso-date'],
    ['a signing date in the future', { signedAt: '2025-02-02' }, 'signed-at-not-in-future'],
    ['no place of signing', { signedIn: '' }, 'signed-in-required'],
    ['a single party', { parties: [one] }, 'at-least-two-parties'],
    ['two parties with one code', { parties: [one, { ...one, name: 'Other' }] }, 'party-codes-unique'],
    ['a lower-case party code', { parties: [one, { code: 'qa', name: 'Qatar', agencies: [] }] }, 'party-code-format'],
    ['a one-letter party code', { parties: [one, { code: 'Q', name: 'Qatar', agencies: [] }] }, 'party-code-format'],
    [
      'an eleven-letter party code',
      { parties: [one, { code: 'QATARSTATEX', name: 'Qatar', agencies: [] }] },
      'party-code-format',
    ],
    ['a party without a name', { parties: [one, { code: 'QA', name: '', agencies: [] }] }, 'party-name-required'],
    [
      'a duplicate agency',
      { parties: [one, { code: 'QA', name: 'Qatar', agencies: ['MOI', 'MOI'] }] },
      'party-agencies-valid',
    ],
    ['no domain', { domains: [] }, 'domains-required'],
    ['a blank domain', { domains: ['cybercrime', ''] }, 'domains-required'],
    ['a duplicate domain', { domains: ['cybercrime', 'cybercrime'] }, 'domains-unique'],
  ];
  it.each(violations)('refuses %s', (_name, patch, rule) => {
    given().when(register(patch)).thenThrows(RuleViolatedError, { code: 'RULE_VIOLATED', rule });
  });

  it('accepts more than two parties, with ten-letter codes and no agencies', () => {
    const parties = [...registration.parties, { code: 'ABCDEFGHIJ', name: 'Observer', agencies: [] }];
    expect(given().when(register({ parties })).events()).toHaveLength(1);
  });
});

describe('AmendAgreementDomains', () => {
  it('replaces the domains and says what was added and removed', () => {
    const domains = ['counter-terrorism', 'cybercrime', 'stadium-security'];
    const state = given(registered)
      .when(amend(domains))
      .then([
        {
          type: 'AgreementDomainsAmended',
          data: { agreementId: 'ma-qa-2014', domains, added: ['stadium-security'], removed: ['organised-crime'] },
        },
      ]);
    expect(state).toMatchObject({ status: 'registered', domains });
  });

  it('needs a registered agreement', () => {
    given()
      .when(amend(['cybercrime']))
      .thenThrows(NotFoundError, { code: 'NOT_FOUND', entity: 'agreement', id: 'ma-qa-2014' });
  });

  it.each([
    [[], 'domains-required'],
    [['cybercrime', 'cybercrime'], 'domains-unique'],
    [[...registration.domains], 'amendment-changes-domains'],
  ])('refuses %j', (domains, rule) => {
    given(registered)
      .when(amend(domains as string[]))
      .thenThrows(RuleViolatedError, { rule });
  });

  it('is forbidden to a party integration', () => {
    given(registered)
      .when(amend(['cybercrime'], { id: 'gw', role: 'integration', party: 'MA' }))
      .thenThrows(ForbiddenError);
  });

  it('refuses a command addressed to another agreement', () => {
    given(registered)
      .when({ ...amend(['cybercrime']), data: { agreementId: 'other', domains: ['cybercrime'] } })
      .thenThrows(RuleViolatedError, { rule: 'agreement-id-matches-stream' });
  });
});

describe('agreement context and history', () => {
  it('gives a commitment decision the domains and party codes', () => {
    const amended: AgreementEvent = {
      type: 'AgreementDomainsAmended',
      data: { agreementId: 'ma-qa-2014', domains: ['cybercrime'], added: [], removed: ['x'] },
    };
    expect(agreementContextOf(fold(agreementDecider, [registered, amended]), 'ma-qa-2014')).toEqual({
      agreementId: 'ma-qa-2014',
      domains: ['cybercrime'],
      parties: ['MA', 'QA'],
    });
  });

  it('is NotFound for an agreement never registered', () => {
    expect(() => agreementContextOf(initialAgreementState, 'nope')).toThrow(NotFoundError);
  });

  it('refuses an amendment before any registration in a history', () => {
    expect(() =>
      evolveAgreement(initialAgreementState, {
        type: 'AgreementDomainsAmended',
        data: { agreementId: 'x', domains: ['a'], added: ['a'], removed: [] },
      }),
    ).toThrow(/unregistered/);
  });

  it('recognises its events', () => {
    expect(isAgreementEvent({ type: 'AgreementRegistered' })).toBe(true);
    expect(isAgreementEvent({ type: 'CommitmentProposed' })).toBe(false);
  });

  it('refuses a command time that is not a UTC instant', () => {
    given()
      .when({ ...register(), context: ctx(secretariat, 'yesterday') })
      .thenThrows(RuleViolatedError, { rule: 'now-is-utc-instant' });
  });
});
