import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { readStreamPages } from './log-reader';

describe('readStreamPages on the SQLite store', () => {
  let dir: string;
  let store: SqliteEventStore;
  const asked: number[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-log-reader-'));
    store = await SqliteEventStore.open(join(dir, 'accord.db'));
    const events = Array.from({ length: 23 }, (_, i) => ({ id: randomUUID(), type: 'Counted', data: { i } }));
    await store.append('thing-1', events, { expectedRevision: 'no_stream' });
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId, options) => {
      asked.push(options?.maxCount ?? -1);
      return readStream(streamId, options);
    };
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => (asked.length = 0));

  const revisions = async (options: Parameters<typeof readStreamPages>[2]) => {
    const pages: number[][] = [];
    for await (const page of readStreamPages(store, 'thing-1', options)) pages.push(page.map((e) => e.revision));
    return pages;
  };

  it('asks for the first page at its own size, then pages on at the page size to the end', async () => {
    const pages = await revisions({ fromRevision: 2, pageSize: 10, firstPageSize: 3 });
    expect(pages).toEqual([
      [2, 3, 4],
      [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
      [15, 16, 17, 18, 19, 20, 21, 22],
    ]);
    expect(asked).toEqual([3, 10, 10]);
  });

  it('stops after a first page that is short, and reads at the page size without a first size', async () => {
    expect(await revisions({ fromRevision: 20, pageSize: 10, firstPageSize: 5 })).toEqual([[20, 21, 22]]);
    expect(asked).toEqual([5]);
    expect((await revisions({ pageSize: 20 })).map((page) => page.length)).toEqual([20, 3]);
    expect(asked).toEqual([5, 20, 20]);
  });
});
