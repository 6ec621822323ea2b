import { AGREEMENT_ROLES, requireRole } from './actor.policy';
import type { AgreementCommand, AmendAgreementDomains, RegisterAgreement } from './agreement.commands';
import type { AgreementEvent } from './agreement.events';
import { initialAgreementState, type Agreement, type Party } from './agreement.state';
import { assertNever } from './assert-never';
import { requireUtcNow } from './command-context.rules';
import type { Decider } from './decider.types';
import { IllegalTransitionError, NotFoundError, RuleViolatedError } from './domain.errors';
import { hasDuplicates, isIsoDate, isListOfNonBlank, isNonBlank, utcDateOf } from './value.guards';

const PARTY_CODE = /^[A-Z]{2,10}$/;

export const decideAgreement = (command: AgreementCommand, state: Agreement): AgreementEvent[] => {
  requireUtcNow(command.context);
  switch (command.type) {
    case 'RegisterAgreement':
      return register(command, state);
    case 'AmendAgreementDomains':
      return amendDomains(command, state);
    default:
      return assertNever(command);
  }
};

export const evolveAgreement = (state: Agreement, event: AgreementEvent): Agreement => {
  switch (event.type) {
    case 'AgreementRegistered':
      return { status: 'registered', ...event.data };
    case 'AgreementDomainsAmended':
      if (state.status === 'none') throw new Error(`${event.type} cannot apply to an unregistered agreement`);
      return { ...state, domains: event.data.domains };
    default:
      return assertNever(event);
  }
};

export const agreementDecider: Decider<AgreementCommand, Agreement, AgreementEvent> = {
  decide: decideAgreement,
  evolve: evolveAgreement,
  initialState: initialAgreementState,
};

function register(command: RegisterAgreement, state: Agreement): AgreementEvent[] {
  requireRole(command.context.actor, AGREEMENT_ROLES, command.type);
  if (state.status !== 'none') throw new IllegalTransitionError(state.status, command.type);
  const { agreementId, title, signedAt, signedIn, parties, domains } = command.data;
  if (!isNonBlank(agreementId)) throw new RuleViolatedError('agreement-id-required', 'The agreement needs an id');
  if (!isNonBlank(title)) throw new RuleViolatedError('title-required', 'The agreement needs a title');
  if (!isIsoDate(signedAt)) {
    throw new RuleViolatedError('signed-at-is-iso-date', `Signing date ${String(signedAt)} is not a YYYY-MM-DD date`);
  }
  if (signedAt > utcDateOf(command.context.now)) {
    throw new RuleViolatedError('signed-at-not-in-future', `Signing date ${signedAt} is in the future`);
  }
  if (!isNonBlank(signedIn)) throw new RuleViolatedError('signed-in-required', 'The place of signing is required');
  checkParties(parties);
  checkDomains(domains);
  return [
    {
      type: 'AgreementRegistered',
      data: {
        agreementId,
        title,
        signedAt,
        signedIn,
        parties: parties.map((p) => ({ code: p.code, name: p.name, agencies: [...p.agencies] })),
        domains: [...domains],
      },
    },
  ];
}

function amendDomains(command: AmendAgreementDomains, state: Agreement): AgreementEvent[] {
  if (state.status === 'none') throw new NotFoundError('agreement', command.data.agreementId, command.type);
  requireRole(command.context.actor, AGREEMENT_ROLES, command.type);
  if (command.data.agreementId !== state.agreementId) {
    throw new RuleViolatedError(
      'agreement-id-matches-stream',
      `Command for agreement ${command.data.agreementId} reached agreement ${state.agreementId}`,
    );
  }
  const { domains } = command.data;
  checkDomains(domains);
  const added = domains.filter((d) => !state.domains.includes(d));
  const removed = state.domains.filter((d) => !domains.includes(d));
  if (added.length === 0 && removed.length === 0) {
    throw new RuleViolatedError('amendment-changes-domains', 'The amendment leaves the domains as they are');
  }
  return [
    {
      type: 'AgreementDomainsAmended',
      data: { agreementId: state.agreementId, domains: [...domains], added, removed },
    },
  ];
}

function checkParties(parties: readonly Party[]): void {
  if (!Array.isArray(parties) || parties.length < 2) {
    throw new RuleViolatedError('at-least-two-parties', 'An agreement has at least two parties');
  }
  for (const party of parties) {
    if (typeof party.code !== 'string' || !PARTY_CODE.test(party.code)) {
      throw new RuleViolatedError(
        'party-code-format',
        `Party code ${String(party.code)} is not 2 to 10 upper-case letters`,
      );
    }
    if (!isNonBlank(party.name)) throw new RuleViolatedError('party-name-required', `Party ${party.code} has no name`);
    if (!isListOfNonBlank(party.agencies) || hasDuplicates(party.agencies)) {
      throw new RuleViolatedError(
        'party-agencies-valid',
        `Party ${party.code}'s agencies must be non-blank and unique`,
      );
    }
  }
  if (hasDuplicates(parties.map((p) => p.code))) {
    throw new RuleViolatedError('party-codes-unique', 'Two parties share a code');
  }
}

function checkDomains(domains: readonly string[]): void {
  if (!isListOfNonBlank(domains) || domains.length === 0) {
    throw new RuleViolatedError('domains-required', 'An agreement covers at least one domain, each non-blank');
  }
  if (hasDuplicates(domains)) throw new RuleViolatedError('domains-unique', 'A domain appears twice');
}
