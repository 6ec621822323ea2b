import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  isSameBatch,
  repeatFitsExpected,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '@accord/event-store';

/**
 * The port's id rules, checked against the latest events of the target stream before an
 * append is sent (KurrentDB only enforces part of them; see the README):
 *
 * - the batch already sits in the stream where `expected` allows it: returns those records
 *   (an idempotent repeat, nothing to write);
 * - its first id sits elsewhere, or only part of the batch repeats: DuplicateEventIdError,
 *   or WrongExpectedRevisionError when the whole batch repeats at another revision;
 * - none of its ids is in `tail`: returns undefined, and the append goes to the server.
 *
 * `tail` is the stream's last events in revision order (all of them when it is short).
 */
export function checkRepeatAgainstTail(
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  tail: readonly RecordedEvent[],
): RecordedEvent[] | undefined {
  const current = tail.length === 0 ? 'no_stream' : tail[tail.length - 1].revision;
  const byId = new Map(tail.map((event) => [event.id.toLowerCase(), event]));
  const first = byId.get(events[0].id.toLowerCase());
  if (first) {
    const recorded = tail.filter((e) => e.revision >= first.revision && e.revision < first.revision + events.length);
    if (!isSameBatch(events, recorded)) throw new DuplicateEventIdError(streamId, events[0].id);
    if (!repeatFitsExpected(expected, first.revision))
      throw new WrongExpectedRevisionError(streamId, expected, current);
    return recorded;
  }
  for (const event of events) {
    if (byId.has(event.id.toLowerCase())) throw new DuplicateEventIdError(streamId, event.id);
  }
  return undefined;
}

/**
 * Ids appended through this process, with their stream and revision: the only place the
 * adapter can see that an id is reused in another stream (KurrentDB indexes ids per
 * stream), and a pointer to where an old batch sits in a long stream. Bounded; the
 * oldest ids are forgotten first.
 */
export class RecentEventIds {
  private readonly ids = new Map<string, { readonly streamId: string; readonly revision: number }>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.ids.size;
  }

  /** The first id of `events` already appended to a stream other than `streamId`. */
  takenElsewhere(streamId: string, events: readonly NewEvent[]): string | undefined {
    return events.find((event) => {
      const known = this.ids.get(event.id.toLowerCase());
      return known !== undefined && known.streamId !== streamId;
    })?.id;
  }

  /** Where `id` was appended in `streamId`, if this process did it and still remembers. */
  revisionIn(streamId: string, id: string): number | undefined {
    const known = this.ids.get(id.toLowerCase());
    return known?.streamId === streamId ? known.revision : undefined;
  }

  remember(streamId: string, events: readonly { readonly id: string; readonly revision: number }[]): void {
    if (this.capacity <= 0) return;
    for (const event of events) {
      const id = event.id.toLowerCase();
      this.ids.delete(id); // re-inserted as the newest
      this.ids.set(id, { streamId, revision: event.revision });
    }
    for (const oldest of this.ids.keys()) {
      if (this.ids.size <= this.capacity) break;
      this.ids.delete(oldest);
    }
  }
}
