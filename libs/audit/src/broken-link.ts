export type BrokenLinkProblem =
  'hash-mismatch' | 'chain-broken' | 'revision-gap' | 'position-order' | 'digest-mismatch';

/** A place where the log is not what its hashes say it was. */
export interface BrokenLink {
  readonly problem: BrokenLinkProblem;
  /** The event where the problem shows; null only when the log ended before a saved digest's count. */
  readonly streamId: string | null;
  readonly revision: number | null;
  readonly position: number | null;
  readonly expected: string | number | null;
  readonly found: string | number | null;
  /** One sentence for a person. */
  readonly detail: string;
}

/** Where a problem shows. */
export interface EventAt {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
}

const at = ({ streamId, revision, position }: EventAt) => ({ streamId, revision, position });
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Every verifier words its findings through these, so that they report alike. */
export const brokenLinks = {
  positionOrder: (event: EventAt, last: number): BrokenLink => ({
    problem: 'position-order',
    ...at(event),
    expected: `above ${last}`,
    found: event.position,
    detail: 'positions must strictly increase',
  }),
  revisionGap: (event: EventAt, expected: number): BrokenLink => ({
    problem: 'revision-gap',
    ...at(event),
    expected,
    found: event.revision,
    detail:
      event.revision > expected
        ? `revision ${expected} of ${event.streamId} is missing`
        : `revision ${event.revision} of ${event.streamId} comes again or out of order`,
  }),
  hashMismatch: (event: EventAt, computed: string, stored: unknown): BrokenLink => ({
    problem: 'hash-mismatch',
    ...at(event),
    expected: computed,
    found: text(stored),
    detail: 'the event is not what its hash says: its content was changed (or its hash)',
  }),
  /** `expected`: the previous event's hash as recomputed from its content. */
  chainBroken: (event: EventAt, expected: string, found: unknown): BrokenLink => ({
    problem: 'chain-broken',
    ...at(event),
    expected,
    found: text(found),
    detail:
      event.revision === 0
        ? 'the first event of a stream must point at 64 zeros'
        : "prevHash is not the hash of the stream's previous event",
  }),
  digestMismatch: (event: EventAt | undefined, count: number, saved: string, found: string): BrokenLink => ({
    problem: 'digest-mismatch',
    streamId: event?.streamId ?? null,
    revision: event?.revision ?? null,
    position: event?.position ?? null,
    expected: saved,
    found,
    detail: `${count === 1 ? 'the first event is not the one' : `the first ${count} events are not those`} the saved digest witnessed: history was rewritten, reordered or removed`,
  }),
  logTooShort: (count: number, events: number): BrokenLink => ({
    problem: 'digest-mismatch',
    streamId: null,
    revision: null,
    position: null,
    expected: count,
    found: events,
    detail: `the saved digest covers ${count} ${count === 1 ? 'event' : 'events'} but the log holds ${events}: events were removed`,
  }),
};

/** How many broken links a report lists; past it they are only counted. */
export const BROKEN_LINKS_LISTED = 1000;

/**
 * The broken links a verification found, in the order it found them (position order):
 * the first `limit` listed, every one counted.
 */
export class BrokenLinkList {
  readonly listed: BrokenLink[] = [];
  count = 0;

  constructor(readonly limit = BROKEN_LINKS_LISTED) {}

  get first(): BrokenLink | undefined {
    return this.listed[0];
  }

  add(link: BrokenLink): void {
    this.count++;
    if (this.listed.length < this.limit) this.listed.push(link);
  }

  /** Counts links found elsewhere and not listed there, when this list is already full. */
  addUnlisted(count: number): void {
    this.count += count;
  }
}
