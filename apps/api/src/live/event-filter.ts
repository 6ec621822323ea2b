import { agreementIdOf, commitmentIdOf } from '@accord/commitments';
import { sessionIdOf } from '@accord/committee';
import type { EventStore, RecordedEvent } from '@accord/event-store';

/** The stream categories of the log: the prefix of a stream id. */
export const STREAM_CATEGORIES = ['agreement', 'commitment', 'session'] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

/**
 * What an integration asks to be told about: every field is optional and they all must hold.
 * Webhook subscriptions and the live feed (GET /events/stream) take the same filter.
 */
export interface EventFilter {
  /** Event types, such as DecisionReached; any type when empty or absent. */
  readonly types?: readonly string[];
  readonly category?: StreamCategory;
  readonly agreementId?: string;
  /** A party's code: the events of the commitments it proposed, and of every session and agreement it is party to. */
  readonly party?: string;
}

/** Where an event belongs: its stream's category, agreement and (for a commitment) proposing party. */
export interface EventScope {
  readonly category: StreamCategory | null;
  readonly agreementId: string | null;
  /** The proposing party of a commitment; the parties of an agreement or session. */
  readonly parties: readonly string[];
}

export function categoryOf(streamId: string): StreamCategory | null {
  if (commitmentIdOf(streamId) !== undefined) return 'commitment';
  if (sessionIdOf(streamId) !== undefined) return 'session';
  if (agreementIdOf(streamId) !== undefined) return 'agreement';
  return null;
}

/**
 * Resolves an event's scope from the first event of its stream (the one that names the
 * agreement and the parties), read once per stream and remembered: a stream's first event
 * never changes. Bounded, so a log of many streams does not grow the process without limit.
 */
export class EventScopes {
  private readonly known = new Map<string, EventScope>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity = 10_000,
  ) {}

  async of(event: RecordedEvent): Promise<EventScope> {
    const cached = this.known.get(event.streamId);
    if (cached) return cached;
    const first = event.revision === 0 ? event : (await this.store.readStream(event.streamId, { maxCount: 1 }))[0];
    const scope = scopeOfFirst(event.streamId, first);
    if (this.known.size >= this.capacity) this.known.delete(this.known.keys().next().value as string);
    this.known.set(event.streamId, scope);
    return scope;
  }

  async matches(filter: EventFilter, event: RecordedEvent): Promise<boolean> {
    if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
    if (filter.category === undefined && filter.agreementId === undefined && filter.party === undefined) return true;
    const scope = await this.of(event);
    if (filter.category !== undefined && scope.category !== filter.category) return false;
    if (filter.agreementId !== undefined && scope.agreementId !== filter.agreementId) return false;
    if (filter.party !== undefined && !scope.parties.includes(filter.party)) return false;
    return true;
  }
}

function scopeOfFirst(streamId: string, first: RecordedEvent | undefined): EventScope {
  const category = categoryOf(streamId);
  const data = (first?.data ?? {}) as {
    agreementId?: string;
    proposingParty?: string;
    parties?: readonly (string | { code: string })[];
  };
  const parties =
    category === 'commitment'
      ? data.proposingParty
        ? [data.proposingParty]
        : []
      : (data.parties ?? []).map((p) => (typeof p === 'string' ? p : p.code));
  return { category, agreementId: data.agreementId ?? null, parties };
}
