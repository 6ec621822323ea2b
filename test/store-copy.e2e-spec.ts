import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/postgres-test-database';
import { openEventStore } from '@accord/store-factory';
import { copyStore } from '../apps/cli/src/store.command';
import { startTestApp } from './support/test-app';
import { runWorkload } from './support/workload';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

async function wholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1].position;
  }
}

/** Everything a copy must keep: all but the store's own position and commit time. */
const essence = (e: RecordedEvent) => ({
  streamId: e.streamId,
  revision: e.revision,
  id: e.id,
  type: e.type,
  schemaVersion: e.schemaVersion,
  data: e.data,
  metadata: e.metadata,
});

describeWithPostgres('npx accord store copy: SQLite → PostgreSQL → SQLite', () => {
  let dir: string;
  let schema: string;
  let source: string;
  let postgres: string;
  let back: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-copy-'));
    schema = testSchemaName();
    source = `sqlite:${join(dir, 'source.db')}`;
    postgres = `${TEST_PG_URL}?schema=${schema}`;
    back = `sqlite:${join(dir, 'back.db')}`;
    const t = await startTestApp({ dir, storeUrl: source });
    await runWorkload(t, 7, 300);
    await t.close();
  }, 120_000);
  afterAll(async () => {
    await dropTestSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves every event identical after the round trip, in the same global order', async () => {
    const there = await run(process.execPath, [ACCORD, 'store', 'copy', '--from', source, '--to', postgres]);
    expect(there.stdout).toMatch(/verified: \d+ events, \d+ streams, every hash chain intact/);
    const again = await run(process.execPath, [ACCORD, 'store', 'copy', '--from', postgres, '--to', back]);
    expect(again.stdout).toMatch(/copied \d+ events \(0 already there\)/);

    const logs: RecordedEvent[][] = [];
    for (const url of [source, postgres, back]) {
      const store = await openEventStore(url);
      logs.push(await wholeLog(store));
      await store.close();
    }
    expect(logs[0].length).toBeGreaterThan(200);
    expect(logs[1].map(essence)).toEqual(logs[0].map(essence));
    expect(logs[2].map(essence)).toEqual(logs[0].map(essence));
    expect(logs[2].map((e) => e.position)).toEqual(logs[0].map((e) => e.position)); // gap-free SQLite positions come back
  }, 120_000);

  it('resumes an interrupted copy and refuses a target that holds other events', async () => {
    const from = await openEventStore(source);
    const partial = `sqlite:${join(dir, 'partial.db')}`;
    const to = await openEventStore(partial);
    // Interrupt after 40 appends, as a crash would.
    let appends = 0;
    const flaky: EventStore = {
      append: (...args) => {
        if (++appends > 40) return Promise.reject(new Error('interrupted'));
        return to.append(...args);
      },
      readStream: (...args) => to.readStream(...args),
      readAll: (...args) => to.readAll(...args),
      subscribe: (...args) => to.subscribe(...args),
      close: () => to.close(),
    };
    await expect(copyStore(from, flaky)).rejects.toThrow('interrupted');
    const halfway = (await wholeLog(to)).length;
    expect(halfway).toBeGreaterThan(0);
    await to.close();
    await from.close();

    const resumed = await run(process.execPath, [ACCORD, 'store', 'copy', '--from', source, '--to', partial]);
    expect(resumed.stdout).toContain(`(${halfway} already there)`);
    expect(resumed.stdout).toMatch(/verified/);

    // A target with a history of its own is refused, and left as it was.
    const otherUrl = `sqlite:${join(dir, 'other.db')}`;
    const other = await openEventStore(otherUrl);
    await other.append('thing-x', [{ id: '01890000-0000-7000-8000-000000000001', type: 'Unrelated', data: {} }]);
    await other.close();
    const refused = await run(process.execPath, [ACCORD, 'store', 'copy', '--from', source, '--to', otherUrl]).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toMatch(/already holds other events/);
    const untouched = await openEventStore(otherUrl);
    expect((await wholeLog(untouched)).map((e) => e.type)).toEqual(['Unrelated']);
    await untouched.close();
  }, 120_000);
});
