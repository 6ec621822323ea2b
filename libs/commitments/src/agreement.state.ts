export interface Party {
  /** 2 to 10 upper-case letters, e.g. `MA`, `QA`. */
  readonly code: string;
  readonly name: string;
  readonly agencies: readonly string[];
}

export interface NoAgreement {
  readonly status: 'none';
}

export interface RegisteredAgreement {
  readonly status: 'registered';
  readonly agreementId: string;
  readonly title: string;
  /** ISO date `YYYY-MM-DD`. */
  readonly signedAt: string;
  readonly signedIn: string;
  readonly parties: readonly Party[];
  readonly domains: readonly string[];
}

export type Agreement = NoAgreement | RegisteredAgreement;
export type AgreementStatus = Agreement['status'];

export const initialAgreementState: Agreement = { status: 'none' };
