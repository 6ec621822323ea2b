import { randomUUID } from 'node:crypto';
import { chainEvents, GENESIS_HASH } from '@accord/audit';
import {
  agreementStreamId,
  commitmentStreamId,
  agreementDecider,
  commitmentDecider,
  type Actor,
  type AgreementEvent,
  type Commitment,
  type CommitmentCommand,
  type CommitmentEvent,
} from '@accord/commitments';
import type { EventStore, NewEvent } from '@accord/event-store';
import { eventIdFor } from '../../apps/api/src';

/**
 * Writes a realistic, hash-chained log through the real deciders, offline: each event is
 * what the command path would have appended (decide on the folded state, ids from the
 * command id, metadata as the runner writes it, prevHash/hash chained), appended with the
 * store API in big concurrent batches so that group commit packs them.
 */

export const AGREEMENT = {
  agreementId: '5e1b1c7e-2f0a-4c55-9d2e-7c3f1d0b9a11',
  title: 'Agreement on security cooperation between the Kingdom of Morocco and the State of Qatar',
  signedAt: '2014-03-12',
  signedIn: 'Rabat',
  parties: [
    { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN', 'DGST'] },
    { code: 'QA', name: 'State of Qatar', agencies: ['Ministry of Interior'] },
  ],
  domains: ['counter-terrorism', 'organised crime', 'cybercrime', 'border security', 'stadium security'],
};

const INTEGRATION: Actor = { id: 'bench-integration-ma', role: 'integration', party: 'MA' };
const COMMITTEE: Actor = { id: 'committee', role: 'system' };
const SECRETARIAT: Actor = { id: 'bench-secretariat', role: 'secretariat' };

/** One commitment's life as commands: proposed, placed on an agenda, approved, started, then progress. */
class CommitmentWriter {
  readonly streamId: string;
  private state: Commitment = commitmentDecider.initialState;
  private revision = -1;
  private hash = GENESIS_HASH;

  constructor(
    readonly commitmentId: string,
    private clock: { ms: number },
  ) {
    this.streamId = commitmentStreamId(commitmentId);
  }

  get nextRevision(): number {
    return this.revision + 1;
  }

  private command(step: number, now: string): CommitmentCommand {
    const commitmentId = this.commitmentId;
    const context = (actor: Actor) => ({ actor, now });
    switch (step) {
      case 0:
        return {
          type: 'ProposeCommitment',
          data: {
            commitmentId,
            agreementId: AGREEMENT.agreementId,
            title: 'Joint training on cybercrime investigation',
            description: 'Exchange of expertise between DGSN and the Ministry of Interior',
            domain: 'cybercrime',
            leadAgencies: ['DGSN'],
            priority: 'normal',
            agreement: {
              agreementId: AGREEMENT.agreementId,
              domains: AGREEMENT.domains,
              parties: AGREEMENT.parties.map((p) => p.code),
            },
          },
          context: context(INTEGRATION),
        };
      case 1:
        return {
          type: 'PlaceOnAgenda',
          data: { commitmentId, sessionId: AGREEMENT.agreementId, itemId: randomUUID() },
          context: context(SECRETARIAT),
        };
      case 2:
        return { type: 'ApproveCommitment', data: { commitmentId }, context: context(COMMITTEE) };
      case 3:
        return { type: 'StartCommitment', data: { commitmentId }, context: context(INTEGRATION) };
      default:
        return {
          type: 'ReportProgress',
          data: {
            commitmentId,
            percent: Math.min(100, Math.floor(step / 100)),
            narrative: 'Liaison officers exchanged; the joint team met in Rabat.',
            evidence: [{ title: 'Minutes', uri: `https://example.org/minutes/${step}` }],
          },
          context: context(INTEGRATION),
        };
    }
  }

  /** The next `count` events, decided and chained; the writer's state moves past them. */
  next(count: number): NewEvent[] {
    const events: NewEvent[] = [];
    for (let i = 0; i < count; i++) {
      const now = new Date((this.clock.ms += 1000)).toISOString();
      const command = this.command(this.revision + 1 + i, now);
      const commandId = randomUUID();
      const [decided] = commitmentDecider.decide(command, this.state);
      this.state = commitmentDecider.evolve(this.state, decided as CommitmentEvent);
      events.push({
        id: eventIdFor(commandId, 0, now),
        type: decided.type,
        data: decided.data,
        metadata: {
          commandId,
          correlationId: commandId,
          causationId: commandId,
          actor: command.context.actor,
          occurredAt: now,
        },
      });
    }
    const chained = chainEvents(this.streamId, this.revision + 1, this.hash, events);
    this.revision += count;
    this.hash = String(chained[chained.length - 1].metadata!.hash);
    return chained;
  }
}

export interface GenerateOptions {
  /** Events to write in all (the agreement's one included). */
  readonly events: number;
  /** Events per commitment stream. */
  readonly streamLength?: number;
  /** Streams written at once: their appends interleave in the log as live traffic does. */
  readonly activeStreams?: number;
  /** Events per append. */
  readonly chunk?: number;
  /** Also write one commitment of this many events (counted in `events`), for loading it whole. */
  readonly longStream?: number;
  readonly onProgress?: (written: number) => void;
}

export interface GeneratedLog {
  readonly events: number;
  readonly streams: number;
  /** The commitment of `longStream` events, if asked for. */
  readonly longCommitmentId?: string;
}

export async function registerAgreement(store: EventStore, ms: number): Promise<void> {
  const now = new Date(ms).toISOString();
  const commandId = randomUUID();
  const [event] = agreementDecider.decide(
    { type: 'RegisterAgreement', data: AGREEMENT, context: { actor: SECRETARIAT, now } },
    agreementDecider.initialState,
  ) as AgreementEvent[];
  const streamId = agreementStreamId(AGREEMENT.agreementId);
  const chained = chainEvents(streamId, 0, GENESIS_HASH, [
    {
      id: eventIdFor(commandId, 0, now),
      type: event.type,
      data: event.data,
      metadata: { commandId, correlationId: commandId, causationId: commandId, actor: SECRETARIAT, occurredAt: now },
    },
  ]);
  await store.append(streamId, chained, { expectedRevision: 'no_stream' });
}

/**
 * The commitments a load reports progress on: proposed, placed on an agenda, approved by
 * the committee and started by their owner (MA), each as the command path would have
 * written it. Returns their ids.
 */
export async function writeCommitmentsInProgress(store: EventStore, count: number): Promise<string[]> {
  const clock = { ms: Date.UTC(2026, 5, 1) };
  const writers = Array.from({ length: count }, () => new CommitmentWriter(randomUUID(), clock));
  await Promise.all(writers.map((w) => store.append(w.streamId, w.next(4), { expectedRevision: 'no_stream' })));
  return writers.map((w) => w.commitmentId);
}

export async function generateLog(store: EventStore, options: GenerateOptions): Promise<GeneratedLog> {
  const streamLength = options.streamLength ?? 100;
  const active = options.activeStreams ?? 1000;
  const chunk = options.chunk ?? 10;
  const clock = { ms: Date.UTC(2026, 0, 1) };
  await registerAgreement(store, clock.ms);
  let written = 1;
  let streams = 0;
  let longCommitmentId: string | undefined;
  if (options.longStream) {
    const long = new CommitmentWriter(randomUUID(), clock);
    longCommitmentId = long.commitmentId;
    for (let done = 0; done < options.longStream;) {
      const n = Math.min(1000, options.longStream - done);
      const expectedRevision = long.nextRevision === 0 ? 'no_stream' : long.nextRevision - 1;
      await store.append(long.streamId, long.next(n), { expectedRevision });
      done += n;
    }
    written += options.longStream;
    streams++;
  }
  const writers: CommitmentWriter[] = [];
  let reported = 0;
  while (written < options.events) {
    while (writers.length < active) {
      writers.push(new CommitmentWriter(randomUUID(), clock));
      streams++;
    }
    const appends: Promise<unknown>[] = [];
    for (const writer of writers) {
      const n = Math.min(chunk, streamLength - writer.nextRevision, options.events - written);
      if (n <= 0) break;
      const expectedRevision = writer.nextRevision === 0 ? 'no_stream' : writer.nextRevision - 1;
      appends.push(store.append(writer.streamId, writer.next(n), { expectedRevision }));
      written += n;
    }
    await Promise.all(appends);
    for (let i = writers.length - 1; i >= 0; i--) if (writers[i].nextRevision >= streamLength) writers.splice(i, 1);
    if (written - reported >= 50_000) {
      reported = written;
      options.onProgress?.(written);
    }
  }
  return { events: written, streams, longCommitmentId };
}

/** One commitment's whole stream of `length` events, decided and chained (for the peer comparison). */
export function commitmentStream(length: number, ms = Date.UTC(2026, 0, 1)): { streamId: string; events: NewEvent[] } {
  const writer = new CommitmentWriter(randomUUID(), { ms });
  return { streamId: writer.streamId, events: writer.next(length) };
}
