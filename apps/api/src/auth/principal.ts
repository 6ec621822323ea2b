export const ROLES = ['integration', 'secretariat', 'delegate', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, resolved from the API key. Party-bound roles carry their party's code. */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly party: string | null;
}

/** Roles that act for one party and must name it. */
export const PARTY_ROLES: readonly Role[] = ['integration', 'delegate'];
