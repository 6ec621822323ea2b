/**
 * Event-store throughput beside what the machine allows: the disk's fsync rate and raw
 * better-sqlite3 on the same rows. `npm run bench:store` (builds, then runs with --expose-gc).
 * Prints a table and writes the figures to bench/results/store-<timestamp>.json.
 *
 * The disk may be shared and its speed drifts, so each store scenario is measured in short
 * slices alternating with its references (fsync probe, raw SQLite): a ratio compares
 * figures taken under the same conditions.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent, RecordedEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';

const GLOBAL_LOG_EVENTS = 200_000;
const STREAM_EVENTS = 10_000;
const BATCH = 100;
const CONCURRENT_WRITERS = 64;
const ROUNDS = 6;
const SLICE_MS = 500;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** A realistic envelope: a commitment event with its audit metadata. */
function newEvent(i: number): NewEvent {
  return {
    id: uuidv7(),
    type: 'CommitmentProgressReported',
    data: {
      commitmentId: `c-${i % 997}`,
      agreementId: 'agreement-ma-qa-2014',
      party: i % 2 ? 'MA' : 'QA',
      domain: 'cybercrime',
      progress: i % 100,
      note: 'Joint training session held; next exchange of liaison officers planned.',
    },
    metadata: {
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: { id: 'integration-ma', role: 'integration', party: 'MA' },
      occurredAt: '2025-03-01T10:00:00.000Z',
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    },
  };
}

interface Figure {
  readonly name: string;
  readonly perSecond: number;
  readonly count: number;
  readonly ms: number;
}

/** Events (or fsyncs) done and milliseconds spent, summed over a scenario's slices. */
class Tally {
  count = 0;
  ms = 0;
  constructor(readonly name: string) {}

  /** Runs one slice; `slice` returns how much it did. */
  async run(slice: () => Promise<number> | number): Promise<void> {
    const start = performance.now();
    this.count += await slice();
    this.ms += performance.now() - start;
  }

  get figure(): Figure {
    return { name: this.name, count: this.count, ms: Math.round(this.ms), perSecond: rate(this.count, this.ms) };
  }
}

const rate = (count: number, ms: number): number => Math.round((count * 1000) / ms);

/** Repeats `work` (which returns how much it did) until `ms` have passed. */
async function during(ms: number, work: () => Promise<number> | number): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) n += await work();
  return n;
}

/** Best of `times` runs: reads are CPU-bound and the first run also warms the JIT. */
async function best(name: string, times: number, run: () => Promise<number> | number): Promise<Figure> {
  let fastest: Figure | undefined;
  for (let i = 0; i < times; i++) {
    gc();
    const start = performance.now();
    const count = await run();
    const ms = performance.now() - start;
    if (!fastest || rate(count, ms) > fastest.perSecond) {
      fastest = { name, count, ms: Math.round(ms), perSecond: rate(count, ms) };
    }
  }
  return fastest!;
}

/** The disk's fsync rate: overwrite 512 bytes of a file in the db's folder and fsync it. */
function fsyncProbe(dir: string): { slice: (ms: number) => number; close: () => void } {
  const file = join(dir, 'fsync.probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(512, 1);
  return {
    slice: (ms) => {
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < ms) {
        writeSync(fd, block, 0, block.length, 0);
        fsyncSync(fd);
        n++;
      }
      return n;
    },
    close: () => {
      closeSync(fd);
      rmSync(file);
    },
  };
}

const RAW_SCHEMA = `CREATE TABLE events (
  position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
  id TEXT NOT NULL COLLATE NOCASE UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
  data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision))`;

/** The same rows through better-sqlite3 alone, WAL and synchronous=FULL like the store. */
function rawSqlite(dir: string): { commit: (rows: number, streams: number) => number; close: () => void } {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(RAW_SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Map<string, number>();
  let n = 0;
  const transaction = db.transaction((rows: number, streams: number) => {
    const recordedAt = new Date().toISOString();
    for (let i = 0; i < rows; i++, n++) {
      const stream = `commitment-raw${streams}-${n % streams}`;
      const revision = revisions.get(stream) ?? 0;
      revisions.set(stream, revision + 1);
      const event = newEvent(n);
      insert.run(
        stream,
        revision,
        event.id,
        event.type,
        1,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        recordedAt,
      );
    }
  });
  return {
    commit: (rows, streams) => {
      transaction(rows, streams);
      return rows;
    },
    close: () => db.close(),
  };
}

const format = (n: number): string => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-'));
  const began = performance.now();
  try {
    const probe = fsyncProbe(dir);
    const raw = rawSqlite(dir);
    const file = join(dir, 'store.db');
    const store = await SqliteEventStore.open(file);
    let n = 0;

    // Single-event appends, one writer, each awaited.
    const fsync = new Tally('disk: write+fsync of 512 B');
    const rawPerRow = new Tally('raw sqlite: 1 row per commit');
    const sequential = new Tally('store: single-event appends, one writer');
    for (let round = 0; round < ROUNDS; round++) {
      await fsync.run(() => probe.slice(SLICE_MS / 2));
      await rawPerRow.run(() => during(SLICE_MS, () => raw.commit(1, 10)));
      await sequential.run(() =>
        during(SLICE_MS, async () => {
          await store.append(`commitment-seq${n % 10}`, [newEvent(n++)]);
          return 1;
        }),
      );
    }

    // 64 writers, each appending one event at a time to its own stream with its expected revision.
    const rawGrouped = new Tally(`raw sqlite: ${CONCURRENT_WRITERS} rows (${CONCURRENT_WRITERS} streams) per commit`);
    const concurrent = new Tally(`store: single-event appends, ${CONCURRENT_WRITERS} writers`);
    const revisions = new Array<number>(CONCURRENT_WRITERS).fill(-1);
    const commitsBefore = store.stats.commits;
    for (let round = 0; round < ROUNDS; round++) {
      await fsync.run(() => probe.slice(SLICE_MS / 2));
      await rawGrouped.run(() => during(SLICE_MS, () => raw.commit(CONCURRENT_WRITERS, CONCURRENT_WRITERS)));
      await concurrent.run(async () => {
        const counts = await Promise.all(
          revisions.map((_, w) =>
            during(SLICE_MS, async () => {
              const last = revisions[w];
              await store.append(`commitment-w${w}`, [newEvent(n++)], {
                expectedRevision: last < 0 ? 'no_stream' : last,
              });
              revisions[w] = last + 1;
              return 1;
            }),
          ),
        );
        return counts.reduce((a, b) => a + b, 0);
      });
    }
    const concurrentCommits = store.stats.commits - commitsBefore;

    // 100-event batches; they also fill the log for the reads (one stream of STREAM_EVENTS).
    const rawBatched = new Tally(`raw sqlite: ${BATCH} rows per commit`);
    const batches = new Tally(`store: ${BATCH}-event batch appends`);
    let batchEvents = 0;
    for (let b = 0; batchEvents < GLOBAL_LOG_EVENTS;) {
      await rawBatched.run(() => during(SLICE_MS / 2, () => raw.commit(BATCH, 500)));
      await batches.run(async () => {
        const start = batchEvents;
        for (const end = batchEvents + 50 * BATCH; batchEvents < end; b++, batchEvents += BATCH) {
          const stream = b < STREAM_EVENTS / BATCH ? 'commitment-long' : `commitment-b${b % 500}`;
          await store.append(
            stream,
            Array.from({ length: BATCH }, () => newEvent(n++)),
          );
        }
        return batchEvents - start;
      });
    }
    probe.close();
    raw.close();

    // Reads, against the faster of the driver's two ways to read the same rows.
    const total = (await store.readAll({ maxCount: Number.MAX_SAFE_INTEGER })).length;
    const readStream = await best(`store: read a ${format(STREAM_EVENTS)}-event stream`, 5, async () => {
      return (await store.readStream('commitment-long')).length;
    });
    const readAll = await best(`store: read the global log (${format(total)} events, pages of 1000)`, 3, async () => {
      let after = 0;
      let count = 0;
      for (;;) {
        const page: RecordedEvent[] = await store.readAll({ after, maxCount: 1000 });
        if (page.length === 0) return count;
        count += page.length;
        after = page[page.length - 1].position;
      }
    });
    const reader = new Database(file, { readonly: true });
    const select = reader.prepare(
      'SELECT position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at FROM events ORDER BY position',
    );
    type RawRow = { data: unknown; metadata: unknown };
    const parse = (row: RawRow): void => {
      row.data = JSON.parse(row.data as string);
      row.metadata = JSON.parse(row.metadata as string);
    };
    const rawAll = await best('raw sqlite: SELECT … ORDER BY position, all() + JSON.parse', 3, () => {
      const rows = select.all() as RawRow[];
      for (const row of rows) parse(row);
      return rows.length;
    });
    const rawIterate = await best('raw sqlite: SELECT … ORDER BY position, iterate() + JSON.parse', 3, () => {
      let count = 0;
      for (const row of select.iterate() as IterableIterator<RawRow>) {
        parse(row);
        count++;
      }
      return count;
    });
    const rawRead = rawAll.perSecond >= rawIterate.perSecond ? rawAll : rawIterate;
    reader.close();
    await store.close();

    const f = {
      fsync: fsync.figure,
      rawPerRow: rawPerRow.figure,
      rawGrouped: rawGrouped.figure,
      rawBatched: rawBatched.figure,
      sequential: sequential.figure,
      concurrent: concurrent.figure,
      batches: batches.figure,
    };
    const ratio = (a: Figure, b: Figure): number => a.perSecond / b.perSecond;
    const x = (a: Figure, b: Figure, what: string): string => `${ratio(a, b).toFixed(2)}× ${what}`;
    const concurrentVsFsync = ratio(f.concurrent, f.fsync);
    const readVsRaw = ratio(readAll, rawRead);
    const rows: Array<[Figure, string, string]> = [
      [f.fsync, 'reference', ''],
      [f.rawPerRow, x(f.rawPerRow, f.fsync, 'fsync'), ''],
      [f.rawGrouped, x(f.rawGrouped, f.fsync, 'fsync'), ''],
      [f.rawBatched, x(f.rawBatched, f.fsync, 'fsync'), ''],
      [rawAll, rawRead === rawAll ? 'raw read reference' : '', ''],
      [rawIterate, rawRead === rawIterate ? 'raw read reference' : '', ''],
      [f.sequential, `${x(f.sequential, f.fsync, 'fsync')}, ${x(f.sequential, f.rawPerRow, 'raw 1 row')}`, ''],
      [
        f.concurrent,
        `${x(f.concurrent, f.fsync, 'fsync')}, ${x(f.concurrent, f.rawGrouped, `raw ${CONCURRENT_WRITERS} rows`)}; ` +
          `${(f.concurrent.count / concurrentCommits).toFixed(1)} appends/commit`,
        `≥ 5× fsync: ${concurrentVsFsync >= 5 ? 'met' : 'MISSED'}`,
      ],
      [f.batches, x(f.batches, f.rawBatched, 'raw batched'), ''],
      [readStream, x(readStream, rawRead, 'raw read'), ''],
      [readAll, x(readAll, rawRead, 'raw read'), `≥ 0.5× raw read: ${readVsRaw >= 0.5 ? 'met' : 'MISSED'}`],
    ];

    const header = ['scenario', 'events/s', 'ratio', 'target'];
    const cells = rows.map(([fig, r, target]) => [fig.name, format(fig.perSecond), r, target]);
    const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
    const line = (row: string[]): string =>
      `| ${row.map((cell, c) => (c === 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ')} |`;
    console.log(`\naccord event store, SQLite adapter: node ${process.version}, ${cpus().length} cpu, ${dir}\n`);
    console.log(line(header));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const row of cells) console.log(line(row));
    console.log(`\n(${((performance.now() - began) / 1000).toFixed(1)} s)`);

    const results = join(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(results, { recursive: true });
    const at = new Date().toISOString();
    const out = join(results, `store-${at.replace(/[:.]/g, '-')}.json`);
    const summary = {
      at,
      node: process.version,
      cpus: cpus().length,
      figures: rows.map(([fig]) => fig),
      concurrentCommits,
      rawReadReference: rawRead.name,
      ratios: { concurrentVsFsync, readAllVsRawRead: readVsRaw },
      targets: { concurrentVsFsync: concurrentVsFsync >= 5, readAllVsRawRead: readVsRaw >= 0.5 },
    };
    writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`results: ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
