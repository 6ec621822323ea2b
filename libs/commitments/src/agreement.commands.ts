import type { Command } from './command.types';
import type { Party } from './agreement.state';

export type RegisterAgreement = Command<
  'RegisterAgreement',
  {
    readonly agreementId: string;
    readonly title: string;
    /** ISO date `YYYY-MM-DD`, not after the command's `now`. */
    readonly signedAt: string;
    readonly signedIn: string;
    /** At least two, with unique codes. */
    readonly parties: readonly Party[];
    /** Non-empty, unique. */
    readonly domains: readonly string[];
  }
>;

/** Replaces the list of domains of cooperation (non-empty, unique, different from the current one). */
export type AmendAgreementDomains = Command<
  'AmendAgreementDomains',
  {
    readonly agreementId: string;
    readonly domains: readonly string[];
  }
>;

export type AgreementCommand = RegisterAgreement | AmendAgreementDomains;
export type AgreementCommandType = AgreementCommand['type'];

const types: Record<AgreementCommandType, true> = { RegisterAgreement: true, AmendAgreementDomains: true };
export const agreementCommandTypes = Object.keys(types) as AgreementCommandType[];
