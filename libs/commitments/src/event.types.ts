/**
 * A domain event as a decider emits it. The handler wraps it in the store's envelope: it adds
 * the id and the metadata (actor, `occurredAt` = the command's `now`, correlation, hashes).
 */
export interface DomainEvent<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
}
