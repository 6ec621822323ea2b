import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@accord/event-store';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandMeta, CommandOutcome } from '../../apps/api/src/pipeline/command-runner';
import { CommitmentCommandInput, CommitmentCommandMessage } from '../../apps/api/src/commitments/commitment.command';
import type { TestApp } from './test-app';

/** Sends a committee decision as the process manager does: an internal command, actor system. */
export function decide(
  t: TestApp,
  commitmentId: string,
  type: string,
  data: Record<string, unknown> = {},
  now = new Date().toISOString(),
): Promise<CommandOutcome> {
  const actor = { id: 'committee', role: 'system' as const };
  const meta: CommandMeta = {
    commandId: randomUUID(),
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor,
    now,
  };
  const command = {
    type,
    data: { commitmentId, ...data },
    context: { actor, now },
  } as unknown as CommitmentCommandInput;
  return t.app.get(CommandBus).execute(new CommitmentCommandMessage(command, meta));
}

/** Resolves with the first event after `after` that matches; waits on a subscription, never a sleep. */
export async function waitForEvent(
  t: TestApp,
  match: (event: RecordedEvent) => boolean,
  after = 0,
  timeoutMs = 15000,
): Promise<RecordedEvent> {
  const subscription = t.store.subscribe({ after });
  const timer = setTimeout(() => void subscription.stop(), timeoutMs);
  try {
    for await (const event of subscription) if (match(event)) return event;
    throw new Error(`no matching event within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
    await subscription.stop();
  }
}
