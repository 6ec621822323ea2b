export type ActorRole = 'integration' | 'secretariat' | 'delegate' | 'auditor' | 'admin' | 'system';

export interface Actor {
  readonly id: string;
  readonly role: ActorRole;
  /** The party code the actor acts for (`MA`, `QA`); integrations and delegates have one. */
  readonly party?: string;
}

/** Who sends the command and when: deciders never read a clock. */
export interface CommandContext {
  readonly actor: Actor;
  /** ISO-8601 UTC instant, `YYYY-MM-DDTHH:mm:ss(.sss)Z` (what `Date.prototype.toISOString` gives). */
  readonly now: string;
}

export interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  readonly context: CommandContext;
}
