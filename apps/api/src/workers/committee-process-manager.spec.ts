import { randomUUID } from 'node:crypto';
import { InMemoryEventStore } from '@accord/event-store';
import { until } from '@accord/event-store/conformance/event-store.conformance';
import { Checkpoints, FailureLog } from '@accord/projection-runner';
import { SqliteDb } from '@accord/sql';
import { Logger } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import { CommitteeProcessManager } from './committee-process-manager';

describe('CommitteeProcessManager, stuck on an event', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('reports the event it keeps failing on (here and on record for other instances) until it passes it', async () => {
    const store = new InMemoryEventStore();
    const db = new SqliteDb(':memory:');
    let down = true;
    const bus = {
      execute: jest.fn(async () => {
        if (down) throw new Error('the commitment side is down');
        return { repeated: false };
      }),
    } as unknown as CommandBus;
    const manager = new CommitteeProcessManager(store, bus, new Checkpoints(db), new FailureLog(db));
    // Another instance (workers off) reads what the one running it recorded.
    const elsewhere = new CommitteeProcessManager(store, bus, new Checkpoints(db), new FailureLog(db));
    const sessionId = randomUUID();
    await store.append(`session-${sessionId}`, [{ id: randomUUID(), type: 'SessionScheduled', data: { sessionId } }]);
    const added = {
      id: randomUUID(),
      type: 'AgendaItemAdded',
      data: { sessionId, itemId: randomUUID(), commitmentId: randomUUID(), kind: 'review' },
    };
    const { position } = await store.append(`session-${sessionId}`, [added]);
    await manager.start();
    try {
      await until(async () => (await elsewhere.stuckOn()) !== undefined, 'the failure on record');
      const failure = {
        position,
        eventId: added.id,
        type: 'AgendaItemAdded',
        error: 'the commitment side is down',
        since: expect.any(String),
      };
      expect(await manager.stuckOn()).toEqual(failure);
      expect(await elsewhere.stuckOn()).toEqual(failure);
      expect(await manager.checkpoint()).toBeLessThan(position); // it retries the page (its commands are idempotent)

      down = false;
      expect(await manager.waitFor(position, 5000)).toBe(true);
      expect(await manager.stuckOn()).toBeUndefined();
      expect(await elsewhere.stuckOn()).toBeUndefined();
      expect(await new FailureLog(db).all()).toEqual(new Map());
    } finally {
      await manager.stop();
      await db.close();
    }
  });
});
