import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../apps/api/src/infrastructure/clock';
import { Workers } from '../apps/api/src/workers/workers.module';
import { decide, waitForEvent } from './support/internal-commands';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

describe('deadlines: overdue once per due date, through an injectable clock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-deadlines-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function approvedCommitment(t: TestApp, dueDate: string, now: string): Promise<string> {
    const secretariat = await t.createKey('secretariat');
    const ma = await t.createKey('integration', 'MA');
    const agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
    const created = await t.post(
      '/commitments',
      {
        agreementId,
        title: 'Stadium security plan',
        description: 'd',
        domain: 'stadium security',
        leadAgencies: ['DGSN'],
        dueDate,
      },
      ma,
    );
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    await decide(t, id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() }, now);
    await decide(t, id, 'ApproveCommitment', {}, now);
    return id;
  }

  const overdueEvents = async (t: TestApp, id: string) =>
    (await t.store.readStream(`commitment-${id}`)).filter((e) => e.type === 'CommitmentBecameOverdue');

  it('flags a passed due date once, clears it on extension, and flags the new date when it passes', async () => {
    const clock = new ManualClock(new Date('2030-01-10T09:00:00Z'));
    const t = await startTestApp({ dir, clock });
    try {
      const workers = t.app.get(Workers);
      const id = await approvedCommitment(t, '2030-03-31', clock.now().toISOString());
      const caughtUp = async () => {
        const log = await t.log();
        expect(await workers.projections.waitFor('commitments', log[log.length - 1].position)).toBe(true);
      };

      await caughtUp();
      expect(await workers.deadlines.tick()).toBe(0);
      clock.set('2030-03-31T23:59:59Z'); // the due date itself is still on time
      expect(await workers.deadlines.tick()).toBe(0);

      clock.set('2030-04-01T00:00:01Z');
      expect(await workers.deadlines.tick()).toBe(1);
      await caughtUp();
      expect(await workers.deadlines.tick()).toBe(0);
      expect(await overdueEvents(t, id)).toHaveLength(1);
      expect((await overdueEvents(t, id))[0].data).toMatchObject({ dueDate: '2030-03-31' });

      await decide(t, id, 'ExtendDueDate', { dueDate: '2030-09-30' }, clock.now().toISOString());
      await caughtUp();
      expect(await workers.deadlines.tick()).toBe(0);

      clock.set('2030-10-01T08:00:00Z');
      await caughtUp();
      expect(await workers.deadlines.tick()).toBe(1);
      const flagged = await overdueEvents(t, id);
      expect(flagged.map((e) => (e.data as { dueDate: string }).dueDate)).toEqual(['2030-03-31', '2030-09-30']);
    } finally {
      await t.close();
    }
  });

  it('catches, at the first check after a restart, a deadline that passed while the process was down', async () => {
    const clock = new ManualClock(new Date('2030-01-10T09:00:00Z'));
    const first = await startTestApp({ dir, clock });
    const id = await approvedCommitment(first, '2030-02-28', clock.now().toISOString());
    await first.close();

    clock.set('2030-03-15T06:00:00Z');
    const second = await startTestApp({ dir, clock });
    try {
      const event = await waitForEvent(
        second,
        (e) => e.type === 'CommitmentBecameOverdue' && e.streamId === `commitment-${id}`,
      );
      expect(event.data).toMatchObject({ dueDate: '2030-02-28' });
      expect(await overdueEvents(second, id)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
