import { DomainError, type Actor } from '@accord/commitments';
import { findPastDue } from '@accord/read-models';
import { type ProjectionRunner } from '@accord/projection-runner';
import { type SqlDb } from '@accord/sql';
import { Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
import type { CommandMeta } from '../pipeline/command-runner';
import { CommitmentCommandInput, CommitmentCommandMessage } from '../commitments/commitment.command';
import type { Clock } from '../infrastructure/clock';

const NAMESPACE = '9b2e4f6a-1c3d-4e5f-8a7b-6c5d4e3f2a1b';
export const DEADLINE_ACTOR: Actor = { id: 'deadline-watcher', role: 'system' };

/**
 * Flags approved and in-progress commitments whose due date has passed. It asks the
 * commitments read model, not a timer per commitment, so a deadline that passed while
 * the process was down is caught at the first check after a restart. The command id derives
 * from (commitment, due date): once per due date, however many instances or ticks see it.
 */
export class DeadlineWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly logger = new Logger('DeadlineWatcher');

  constructor(
    private readonly db: SqlDb,
    private readonly projections: ProjectionRunner,
    private readonly bus: CommandBus,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const loop = () => {
      this.tick()
        .catch((error: unknown) => this.logger.error({ err: error }, 'deadline check failed'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, this.intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One check; resolves with the number of commitments newly flagged. Ticks never overlap. */
  tick(): Promise<number> {
    this.running ??= this.check().finally(() => (this.running = undefined));
    return this.running;
  }

  private async check(): Promise<number> {
    const now = this.clock.now();
    const today = now.toISOString().slice(0, 10);
    let flagged = 0;
    for (const row of await findPastDue(this.db, await this.projections.tables('commitments'), today)) {
      const meta: CommandMeta = {
        commandId: uuidv5(`overdue/${row.id}/${row.due_date}`, NAMESPACE),
        correlationId: uuidv5(`overdue/${row.id}/${row.due_date}`, NAMESPACE),
        causationId: uuidv5(`overdue/${row.id}/${row.due_date}`, NAMESPACE),
        actor: DEADLINE_ACTOR,
        now: now.toISOString(),
      };
      const command = {
        type: 'MarkOverdue',
        data: { commitmentId: row.id },
        context: { actor: DEADLINE_ACTOR, now: meta.now },
      } as unknown as CommitmentCommandInput;
      try {
        const outcome = await this.bus.execute(new CommitmentCommandMessage(command, meta));
        if (!outcome.repeated && outcome.events.length > 0) flagged++;
      } catch (error) {
        // Already flagged, extended or suspended since the read model saw it: nothing to do.
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return flagged;
  }
}
