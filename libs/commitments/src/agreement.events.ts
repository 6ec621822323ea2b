import type { DomainEvent } from './event.types';
import type { Party } from './agreement.state';

export type AgreementRegistered = DomainEvent<
  'AgreementRegistered',
  {
    readonly agreementId: string;
    readonly title: string;
    readonly signedAt: string;
    readonly signedIn: string;
    readonly parties: readonly Party[];
    readonly domains: readonly string[];
  }
>;

export type AgreementDomainsAmended = DomainEvent<
  'AgreementDomainsAmended',
  {
    readonly agreementId: string;
    /** The full new list. */
    readonly domains: readonly string[];
    readonly added: readonly string[];
    readonly removed: readonly string[];
  }
>;

export type AgreementEvent = AgreementRegistered | AgreementDomainsAmended;
export type AgreementEventType = AgreementEvent['type'];

const types: Record<AgreementEventType, true> = { AgreementRegistered: true, AgreementDomainsAmended: true };
export const agreementEventTypes = Object.keys(types) as AgreementEventType[];

export function isAgreementEvent(event: { readonly type: string }): event is AgreementEvent {
  return Object.prototype.hasOwnProperty.call(types, event.type);
}
