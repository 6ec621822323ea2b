import type { Actor, ActorRole } from './command.types';
import { ForbiddenError } from './domain.errors';

/** Roles that act for a party: its service integrations and its delegates. */
export const PARTY_ROLES: readonly ActorRole[] = ['integration', 'delegate'];
/** Roles that carry the committee's decisions: the secretariat and the session process manager. */
export const COMMITTEE_ROLES: readonly ActorRole[] = ['secretariat', 'system'];
/** Roles that register and amend agreements. */
export const AGREEMENT_ROLES: readonly ActorRole[] = ['secretariat', 'admin', 'system'];

export function requireRole(actor: Actor, roles: readonly ActorRole[], command: string): void {
  if (!roles.includes(actor.role)) {
    throw new ForbiddenError(
      command,
      `${command} may be sent by ${roles.join(', ')}, not by ${actor.role} ${actor.id}`,
    );
  }
}

/** The party the actor acts for; Forbidden when its role does not act for a party or it names none. */
export function requirePartyActor(actor: Actor, command: string): string {
  requireRole(actor, PARTY_ROLES, command);
  if (typeof actor.party !== 'string' || actor.party === '') {
    throw new ForbiddenError(command, `${actor.role} ${actor.id} acts for no party and cannot send ${command}`);
  }
  return actor.party;
}

/** Only the owning party's integrations and delegates act on a commitment. */
export function requireOwningParty(actor: Actor, owner: string, command: string): void {
  const party = requirePartyActor(actor, command);
  if (party !== owner) {
    throw new ForbiddenError(command, `${command}: the commitment belongs to ${owner}, not to ${party}`);
  }
}
