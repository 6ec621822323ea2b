import {
  agendaItemToCommitmentCommand,
  decisionToCommitmentCommand,
  deferralToCommitmentCommand,
  isSessionEvent,
  sessionIdOf,
} from '@accord/committee';
import { DomainError, type Actor } from '@accord/commitments';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import {
  failureAt,
  LogFollower,
  type Checkpoints,
  type EventFailure,
  type FailureLog,
} from '@accord/projection-runner';
import { Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
import type { CommandMeta } from '../pipeline/command-runner';
import { CommitmentCommandInput, CommitmentCommandMessage } from '../commitments/commitment.command';
import { failpoint } from './failpoints';

const NAME = 'process-manager:committee';
/** Namespace for command ids derived from the session events that cause them. */
const NAMESPACE = '3f6c2d1e-8a4b-4c5d-9e7f-1a2b3c4d5e6f';
export const COMMITTEE_ACTOR: Actor = { id: 'committee-process-manager', role: 'system' };

/**
 * Turns the committee's session events into commands on commitments, exactly once: it
 * follows the global log from a durable checkpoint (never the in-process bus alone), and
 * each command's id derives from the event's id, so a redelivered event (after a crash
 * between the effect and the checkpoint) finds its effect already in the stream.
 */
export class CommitteeProcessManager {
  private follower: LogFollower | undefined;
  private readonly logger = new Logger('CommitteeProcessManager');
  /** The event being handled, and the one it is stuck on (retrying) if any: /projections and /health report it. */
  private handling: RecordedEvent | undefined;
  private failure: EventFailure | undefined;
  /** The tables stuckOn reads, created once (it serves /health, which must not run DDL each time). */
  private tables: Promise<unknown> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly bus: CommandBus,
    private readonly checkpoints: Checkpoints,
    private readonly failures?: FailureLog,
  ) {}

  async start(): Promise<void> {
    await this.checkpoints.setup();
    await this.failures?.setup();
    this.follower = new LogFollower(this.store, {
      after: await this.checkpoints.get(NAME),
      handle: (events) => this.handle(events),
      onError: (error, events) => {
        const event = this.handling ?? events[0];
        this.handling = undefined;
        if (event) {
          this.failure = failureAt(event, error, this.failure);
          this.failures?.record(NAME, NAME, this.failure).catch(() => undefined);
        }
        this.logger.error({ err: error, position: event?.position }, 'committee process manager failed; retrying');
      },
    });
    this.follower.start();
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
  }

  get position(): number {
    return this.follower?.position ?? 0;
  }

  /** The durable checkpoint (any instance's progress counts, as for the read models). */
  async checkpoint(): Promise<number> {
    await this.checkpoints.setup();
    return this.checkpoints.get(NAME);
  }

  /** The event it is stuck on, as this instance knows it or as the instance running it recorded it. */
  async stuckOn(): Promise<EventFailure | undefined> {
    this.tables ??= Promise.all([this.checkpoints.setup(), this.failures?.setup()]).catch((error: unknown) => {
      this.tables = undefined;
      throw error;
    });
    await this.tables;
    const failure = this.failure ?? (await this.failures?.get(NAME));
    return failure && failure.position > (await this.checkpoints.get(NAME)) ? failure : undefined;
  }

  waitFor(position: number, timeoutMs?: number): Promise<boolean> {
    return this.follower ? this.follower.waitFor(position, timeoutMs) : Promise.resolve(false);
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      this.handling = event;
      const command = this.commandFor(event);
      if (command) await this.dispatch(event, command);
    }
    this.handling = undefined;
    await this.checkpoints.set(NAME, events[events.length - 1].position);
    if (this.failure) {
      this.failure = undefined;
      await this.failures?.clear(NAME).catch(() => undefined);
    }
  }

  private commandFor(event: RecordedEvent): { type: string; data: Record<string, unknown> } | null {
    if (sessionIdOf(event.streamId) === undefined || !isSessionEvent(event as never)) return null;
    const data = event.data as never;
    switch (event.type) {
      case 'AgendaItemAdded':
        return agendaItemToCommitmentCommand(data) as never;
      case 'DecisionReached':
        return decisionToCommitmentCommand(data) as never;
      case 'ItemDeferred':
        return deferralToCommitmentCommand(data) as never;
      default:
        return null;
    }
  }

  private async dispatch(
    event: RecordedEvent,
    command: { type: string; data: Record<string, unknown> },
  ): Promise<void> {
    // The decision's own instant, so that a replay decides exactly as the first run did.
    const now = typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt;
    const meta: CommandMeta = {
      commandId: uuidv5(`${event.id}/${command.type}`, NAMESPACE),
      correlationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : event.id,
      causationId: event.id,
      actor: COMMITTEE_ACTOR,
      now,
    };
    const input = { ...command, context: { actor: COMMITTEE_ACTOR, now } } as unknown as CommitmentCommandInput;
    try {
      const outcome = await this.bus.execute(new CommitmentCommandMessage(input, meta));
      if (!outcome.repeated) failpoint(`committee-after-effect:${command.type}`);
    } catch (error) {
      // The commitment moved on (withdrawn, decided elsewhere): the decision stays recorded
      // in the session, and retrying would never succeed.
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn(
        { event: event.id, type: event.type, command: command.type, code: error.code, detail: error.message },
        'session event could not take effect on its commitment',
      );
    }
  }
}
