/**
 * The process the crash test kills. It appends batches of 1–5 events from 16 concurrent
 * writers until it is killed, and reports on stdout, one JSON line each:
 *   {"intent":[ids],"stream":…}                         before an append is attempted
 *   {"batch":[ids],"stream":…,"revision":…,"position":…} once that append resolved (durable)
 *   {"rejected":[ids],"stream":…}                       when its expected revision was stale
 * stdout is a pipe, which Node writes synchronously on Linux: a line written before the
 * kill reaches the test.
 *
 * Usage: node crash-child.js <db file> [writers]
 */
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError, type ExpectedRevision, type NewEvent } from '@accord/event-store';
import { SqliteEventStore } from './sqlite-event-store';

const STREAMS = ['crash-alpha', 'crash-beta', 'crash-gamma', 'crash-delta'];

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function writer(store: SqliteEventStore, w: number): Promise<never> {
  for (let n = 0; ; n++) {
    const stream = STREAMS[(w + n) % STREAMS.length];
    const size = 1 + Math.floor(Math.random() * 5);
    const events: NewEvent[] = Array.from({ length: size }, (_, i) => ({
      id: randomUUID(),
      type: 'CrashTested',
      data: { writer: w, n, i },
      metadata: { pid: process.pid },
    }));
    const ids = events.map((e) => e.id);
    // Half the writers decide on the revision they read (and may lose races), half append with `any`.
    let expected: ExpectedRevision = 'any';
    if (w % 2 === 1) {
      const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      expected = last ? last.revision : 'no_stream';
    }
    report({ intent: ids, stream, expected });
    try {
      const result = await store.append(stream, events, { expectedRevision: expected });
      report({ batch: ids, stream, revision: result.revision, position: result.position });
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      report({ rejected: ids, stream });
    }
  }
}

async function main(): Promise<void> {
  const [file, writers = '16'] = process.argv.slice(2);
  if (!file) throw new Error('usage: crash-child <db file> [writers]');
  const store = await SqliteEventStore.open(file);
  await Promise.all(Array.from({ length: Number(writers) }, (_, w) => writer(store, w)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
