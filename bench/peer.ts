/**
 * The same append, read and rebuild workloads on accord's event stores and on emmett's
 * (@event-driven-io/emmett-sqlite and -postgresql, installed for the bench only, from
 * bench/.peers). Every engine gets the same events: commitments' streams decided and
 * hash-chained by accord's deciders, 100 events a stream, plus one stream of 10,000.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore, NewEvent, RecordedEvent } from '@accord/event-store';
import { PostgresEventStore } from '@accord/event-store-postgres';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { PostgresDb, SqliteDb, type SqlDb } from '@accord/sql';
import { ProjectionRunner, type Projection } from '@accord/projection-runner';
import { commitmentStream } from './support/log-generator';
import { requirePeer } from './support/peers';

export interface PeerFigure {
  readonly workload: string;
  readonly store: 'sqlite' | 'postgres';
  readonly accord: number | null;
  readonly emmett: number | null;
  /** Why a figure is missing. */
  readonly note?: string;
}

/** One engine on one store, behind the operations the workloads need. */
interface Engine {
  append(streamId: string, events: readonly NewEvent[], before: number): Promise<void>;
  /** Reads a whole stream; resolves with its length. */
  readStream(streamId: string): Promise<number>;
  /** Reads the whole global log in pages of 1,000; resolves with the count. */
  readAll(): Promise<number>;
  /** Replays the whole log into the summary read model; resolves with the events seen. */
  rebuild(): Promise<number>;
  /** Single-event appends by `writers` concurrent writers for `ms`, where the engine needs its own way. */
  concurrentAppends?(writers: number, ms: number): Promise<number>;
  close(): Promise<void>;
}

const STATUS: Record<string, string> = {
  CommitmentProposed: 'proposed',
  CommitmentPlacedOnAgenda: 'under_review',
  CommitmentApproved: 'approved',
  CommitmentStarted: 'in_progress',
};
const TYPES = [...Object.keys(STATUS), 'ProgressReported'];

/** The read model both engines rebuild: one row a commitment, its status, progress and revision. */
const summary = (event: { type: string; data: unknown }) => {
  const data = event.data as { commitmentId: string; percent?: number };
  return { id: data.commitmentId, status: STATUS[event.type] ?? null, progress: data.percent ?? 0 };
};

const summaryProjection: Projection = {
  name: 'peer-summary',
  version: 1,
  tables: [
    {
      name: 'peer_summary',
      columns: { id: 'text', status: 'text', progress: 'integer', revision: 'bigint', position: 'bigint' },
      key: ['id'],
    },
  ],
  reads: (event) => (TYPES.includes(event.type) ? [['peer_summary', summary(event).id] as const] : []),
  apply(event, rows) {
    if (!TYPES.includes(event.type)) return;
    const s = summary(event);
    const row = rows.get('peer_summary', s.id);
    rows.put('peer_summary', {
      id: s.id,
      status: s.status ?? row?.status ?? null,
      progress: Math.max(Number(row?.progress ?? 0), s.progress),
      revision: event.revision,
      position: event.position,
    });
  },
};

async function readAllOf(store: EventStore): Promise<number> {
  let count = 0;
  for (let after = 0; ;) {
    const page: RecordedEvent[] = await store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) return count;
    count += page.length;
    after = page[page.length - 1].position;
  }
}

function accordEngine(store: SqliteEventStore | PostgresEventStore, db: SqlDb): Engine {
  const runner = new ProjectionRunner(store, db, [summaryProjection]);
  return {
    async append(streamId, events, before) {
      await store.append(streamId, events, { expectedRevision: before < 0 ? 'no_stream' : before });
    },
    readStream: async (streamId) => (await store.readStream(streamId)).length,
    readAll: () => readAllOf(store),
    async rebuild() {
      let last = 0;
      await runner.rebuild(summaryProjection.name, (position) => (last = position));
      return last;
    },
    async close() {
      await db.close();
      await store.close();
    },
  };
}

// The parts of emmett used here (its own types live in bench/.peers and stay out of the type check).
type EmmettEvent = { type: string; data: unknown; metadata?: unknown };
interface EmmettStore {
  appendToStream(
    streamName: string,
    events: EmmettEvent[],
    options?: { expectedStreamVersion?: bigint },
  ): Promise<unknown>;
  readStream(streamName: string): Promise<{ events: unknown[] }>;
  close?(): Promise<void>;
}
type Batch = {
  messages: { type: string; data: unknown; metadata: { globalPosition: bigint; streamPosition: bigint } }[];
  currentGlobalPosition: bigint;
};

const toEmmett = (events: readonly NewEvent[]): EmmettEvent[] =>
  events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata }));

export function emmettSqliteEngine(file: string): Engine {
  const emmett = requirePeer<{
    getSQLiteEventStore(options: { fileName: string }): EmmettStore & {
      consumer(options: { pulling: { batchSize: number; pullingFrequencyInMs: number } }): {
        processor(options: Record<string, unknown>): unknown;
        start(): Promise<void>;
        close(): Promise<void>;
      };
    };
    sqliteConnection(options: { fileName: string }): {
      query<T>(sql: string, params?: unknown[]): Promise<T[]>;
      command(sql: string, params?: unknown[]): Promise<unknown>;
      close(): void;
    };
    readMessagesBatch(connection: unknown, options: { after: bigint; batchSize: number }): Promise<Batch>;
  }>('emmett-sqlite');
  const store = emmett.getSQLiteEventStore({ fileName: file });
  return {
    async append(streamId, events, before) {
      await store.appendToStream(streamId, toEmmett(events), { expectedStreamVersion: BigInt(before + 1) });
    },
    readStream: async (streamId) => (await store.readStream(streamId)).events.length,
    async readAll() {
      const connection = emmett.sqliteConnection({ fileName: file });
      try {
        let count = 0;
        for (let after = 0n; ;) {
          const batch = await emmett.readMessagesBatch(connection, { after, batchSize: 1000 });
          if (batch.messages.length === 0) return count;
          count += batch.messages.length;
          after = batch.currentGlobalPosition;
        }
      } finally {
        connection.close();
      }
    },
    async rebuild() {
      const setup = emmett.sqliteConnection({ fileName: file });
      const [{ last }] = await setup.query<{ last: number }>('SELECT max(global_position) AS last FROM emt_messages');
      await setup.command(
        'CREATE TABLE IF NOT EXISTS peer_summary (id TEXT PRIMARY KEY, status TEXT, progress INTEGER, revision INTEGER, position INTEGER)',
      );
      setup.close();
      // Emmett's own knobs set for throughput: accord's batch size, no pause between batches.
      const consumer = store.consumer({ pulling: { batchSize: 2000, pullingFrequencyInMs: 0 } });
      let seen = 0;
      consumer.processor({
        processorId: `peer-summary-${Date.now()}`,
        startFrom: 'BEGINNING',
        stopAfter: (message: Batch['messages'][number]) => message.metadata.globalPosition >= BigInt(last),
        projection: {
          name: 'peer-summary',
          canHandle: TYPES,
          handle: async (
            events: Batch['messages'],
            context: { connection: { command(sql: string, params: unknown[]): Promise<unknown> } },
          ) => {
            for (const event of events) {
              const s = summary(event);
              await context.connection.command(
                `INSERT INTO peer_summary (id, status, progress, revision, position) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET status = coalesce(excluded.status, peer_summary.status),
                 progress = max(peer_summary.progress, excluded.progress), revision = excluded.revision, position = excluded.position`,
                [
                  s.id,
                  s.status,
                  s.progress,
                  Number(event.metadata.streamPosition),
                  Number(event.metadata.globalPosition),
                ],
              );
            }
            seen += events.length;
          },
        },
      });
      await consumer.start();
      await consumer.close();
      return seen;
    },
    // In a process of its own, killed at a deadline: emmett-sqlite 0.38.5 shares one
    // connection per store and closes it after each operation, so concurrent appends fail
    // and may leave statements that error later (uncaught) or never settle.
    concurrentAppends: (writers, ms) =>
      isolated(['emmett-sqlite-concurrent', `${file}-concurrent`, String(writers), String(ms)], ms + 3000),
    close: async () => undefined,
  };
}

/**
 * Runs a bench task in a child process; resolves with its `perSecond`, or rejects with its
 * error, or at the deadline with the errors the engine logged meanwhile.
 */
function isolated(args: string[], deadlineMs: number): Promise<number> {
  const child = spawn(process.execPath, [join(__dirname, 'tasks.js'), ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const logged = () => {
    const counts = new Map<string, number>();
    for (const match of out.matchAll(/\[Error: (SQLITE_[A-Z]+)/g))
      counts.set(match[1], (counts.get(match[1]) ?? 0) + 1);
    return [...counts].map(([code, n]) => `${code} x${n}`).join(', ') || 'none';
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writers still hanging after ${Math.round(deadlineMs / 1000)} s; errors logged: ${logged()}`));
    }, deadlineMs);
    child.on('exit', () => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .filter((l) => l.startsWith('{"'))
        .pop();
      const result = line ? (JSON.parse(line) as { perSecond?: number; error?: string }) : { error: 'no result' };
      if (typeof result.perSecond === 'number') resolve(result.perSecond);
      else reject(new Error(`${result.error ?? 'failed'}; errors logged: ${logged()}`));
    });
  });
}

function emmettPostgresEngine(connectionString: string): Engine {
  const emmett = requirePeer<{
    getPostgreSQLEventStore(connectionString: string): EmmettStore;
    readMessagesBatch(execute: unknown, options: { after: bigint; batchSize: number }): Promise<Batch>;
    rebuildPostgreSQLProjections(options: Record<string, unknown>): { start(): Promise<void>; close(): Promise<void> };
    postgreSQLRawBatchSQLProjection(options: Record<string, unknown>): unknown;
    dumbo: {
      dumbo(options: { connectionString: string }): { execute: unknown; close(): Promise<void> };
      sql(query: string, ...params: unknown[]): string;
    };
  }>('emmett-postgresql');
  const store = emmett.getPostgreSQLEventStore(connectionString);
  const { sql } = emmett.dumbo;
  return {
    async append(streamId, events, before) {
      await store.appendToStream(streamId, toEmmett(events), { expectedStreamVersion: BigInt(before + 1) });
    },
    readStream: async (streamId) => (await store.readStream(streamId)).events.length,
    async readAll() {
      const pool = emmett.dumbo.dumbo({ connectionString });
      try {
        let count = 0;
        for (let after = 0n; ;) {
          const batch = await emmett.readMessagesBatch(pool.execute, { after, batchSize: 1000 });
          if (batch.messages.length === 0) return count;
          count += batch.messages.length;
          after = batch.currentGlobalPosition;
        }
      } finally {
        await pool.close();
      }
    },
    async rebuild() {
      let seen = 0;
      const consumer = emmett.rebuildPostgreSQLProjections({
        connectionString,
        pulling: { batchSize: 2000, pullingFrequencyInMs: 0 },
        projections: [
          emmett.postgreSQLRawBatchSQLProjection({
            name: 'peer-summary',
            canHandle: TYPES,
            init: () =>
              sql(
                'CREATE TABLE IF NOT EXISTS peer_summary (id TEXT PRIMARY KEY, status TEXT, progress INTEGER, revision BIGINT, position BIGINT)',
              ),
            evolve: (events: Batch['messages']) => {
              seen += events.length;
              return events.map((event) => {
                const s = summary(event);
                return sql(
                  `INSERT INTO peer_summary (id, status, progress, revision, position) VALUES (%L, %L, %L, %L, %L)
                   ON CONFLICT (id) DO UPDATE SET status = coalesce(excluded.status, peer_summary.status),
                   progress = greatest(peer_summary.progress, excluded.progress), revision = excluded.revision, position = excluded.position`,
                  s.id,
                  s.status,
                  s.progress,
                  String(event.metadata.streamPosition),
                  String(event.metadata.globalPosition),
                );
              });
            },
          }),
        ],
      });
      await consumer.start();
      await consumer.close();
      return seen;
    },
    close: async () => store.close?.(),
  };
}

const perSecond = (count: number, ms: number): number => Math.round((count * 1000) / ms);

async function timed(work: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const count = await work();
  return perSecond(count, performance.now() - started);
}

/** Appends one event at a time for `ms`, each awaited, by `writers` writers on their own streams. */
export async function singleAppends(engine: Engine, writers: number, ms: number, failFast = false): Promise<number> {
  const streams = Array.from({ length: writers }, () => commitmentStream(500));
  const started = performance.now();
  const writing = streams.map(async (stream) => {
    let n = 0;
    while (performance.now() - started < ms && n < stream.events.length) {
      await engine.append(stream.streamId, [stream.events[n]], n - 1);
      n++;
    }
    return n;
  });
  // In a process about to exit, the first failure is the answer.
  if (failFast) await Promise.all(writing);
  // Otherwise settled, not raced: a writer that fails must not leave the others writing into the next workload.
  const settled = await Promise.allSettled(writing);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    const errors = settled.filter((s) => s.status === 'rejected').length;
    throw new Error(
      `${errors} of ${writers} writers failed, first with ${String(failed.reason?.message ?? failed.reason)}`,
    );
  }
  const total = settled.reduce((sum, s) => sum + (s as PromiseFulfilledResult<number>).value, 0);
  return perSecond(total, performance.now() - started);
}

export interface PeerOptions {
  readonly dir: string;
  readonly pgUrl: string | undefined;
  /** Events in each engine's log (streams of 100, plus one of 10,000). */
  readonly events: number;
  /** How long each timed append workload runs. */
  readonly appendMs: number;
  readonly say: (message: string) => void;
}

type Workload = 'append-1' | 'append-64' | 'append-100' | 'read-stream' | 'read-all' | 'rebuild';
export const WORKLOADS: Record<Workload, string> = {
  'append-1': 'append 1 event, 1 writer (events/s)',
  'append-64': 'append 1 event, 64 writers (events/s)',
  'append-100': 'append 100-event batches (events/s)',
  'read-stream': 'read a 10,000-event stream (events/s)',
  'read-all': 'read the global log, pages of 1,000 (events/s)',
  rebuild: 'rebuild a summary read model (events/s)',
};

/** Every workload on one engine; a workload that fails is reported with its error, not fatal. */
async function runEngine(
  open: () => Promise<Engine>,
  options: PeerOptions,
): Promise<Record<Workload, number | string>> {
  const out = {} as Record<Workload, number | string>;
  const attempt = async (workload: Workload, work: () => Promise<number>) => {
    const started = performance.now();
    try {
      out[workload] = await work();
    } catch (error) {
      out[workload] = `failed: ${(error as Error).message.split('\n')[0].slice(0, 120)}`;
    }
    options.say(`  ${workload}: ${out[workload]} (${Math.round(performance.now() - started)} ms)`);
  };
  const opened = performance.now();
  const engine = await open();
  options.say(`  opened (${Math.round(performance.now() - opened)} ms)`);
  try {
    const long = commitmentStream(10_000);
    const streams = Array.from({ length: Math.ceil((options.events - 10_000) / 100) }, () => commitmentStream(100));
    await attempt('append-100', async () => {
      const started = performance.now();
      for (let i = 0; i < long.events.length; i += 100) {
        await engine.append(long.streamId, long.events.slice(i, i + 100), i - 1);
      }
      for (const stream of streams) await engine.append(stream.streamId, stream.events, -1);
      return perSecond(long.events.length + streams.length * 100, performance.now() - started);
    });
    await attempt('append-1', () => singleAppends(engine, 1, options.appendMs));
    await attempt('read-stream', async () => {
      let best = 0;
      for (let i = 0; i < 3; i++) best = Math.max(best, await timed(() => engine.readStream(long.streamId)));
      return best;
    });
    await attempt('read-all', () => timed(() => engine.readAll()));
    await attempt('rebuild', () => timed(() => engine.rebuild()));
    // Last, and given a deadline: an engine that cannot take concurrent appends may leave
    // them hanging, and must not slow the workloads above.
    await attempt('append-64', () =>
      Promise.race([
        engine.concurrentAppends
          ? engine.concurrentAppends(64, options.appendMs)
          : singleAppends(engine, 64, options.appendMs),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('did not finish in time')), options.appendMs + 4000).unref(),
        ),
      ]),
    );
  } finally {
    const closing = performance.now();
    await engine.close();
    options.say(`  closed (${Math.round(performance.now() - closing)} ms)`);
  }
  return out;
}

export async function runPeer(options: PeerOptions): Promise<PeerFigure[]> {
  const figures: PeerFigure[] = [];
  const collect = (
    store: 'sqlite' | 'postgres',
    accord: Record<Workload, number | string>,
    emmett: Record<Workload, number | string>,
  ) => {
    for (const workload of Object.keys(WORKLOADS) as Workload[]) {
      const a = accord[workload];
      const e = emmett[workload];
      const notes = [typeof a === 'string' ? `accord ${a}` : '', typeof e === 'string' ? `emmett ${e}` : '']
        .filter(Boolean)
        .join('; ');
      figures.push({
        workload,
        store,
        accord: typeof a === 'number' ? a : null,
        emmett: typeof e === 'number' ? e : null,
        ...(notes ? { note: notes } : {}),
      });
    }
  };

  options.say('peer, SQLite: accord');
  const accordFile = join(options.dir, 'peer-accord.db');
  const accordSqlite = await runEngine(async () => {
    const store = await SqliteEventStore.open(accordFile);
    return accordEngine(store, new SqliteDb(accordFile));
  }, options);
  options.say('peer, SQLite: emmett');
  const emmettFile = join(options.dir, 'peer-emmett.db');
  const emmettSqlite = await runEngine(async () => emmettSqliteEngine(emmettFile), options);
  collect('sqlite', accordSqlite, emmettSqlite);
  for (const file of [accordFile, emmettFile, `${emmettFile}-concurrent`]) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  if (options.pgUrl) {
    const pgUrl = options.pgUrl;
    const suffix = Date.now().toString(36);
    const accordSchema = `accord_bench_peer_a_${suffix}`;
    const emmettSchema = `accord_bench_peer_e_${suffix}`;
    try {
      options.say('peer, PostgreSQL: accord');
      const accordPg = await runEngine(async () => {
        const store = await PostgresEventStore.open(pgUrl, { schema: accordSchema });
        return accordEngine(store, new PostgresDb(pgUrl, { schema: accordSchema }));
      }, options);
      options.say('peer, PostgreSQL: emmett');
      await dropSchemas(pgUrl, [emmettSchema], true);
      const emmettUrl = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${emmettSchema}`)}`;
      const emmettPg = await runEngine(async () => emmettPostgresEngine(emmettUrl), options);
      collect('postgres', accordPg, emmettPg);
    } finally {
      await dropSchemas(pgUrl, [accordSchema, emmettSchema]);
    }
  }
  return figures;
}

/** Drops (or, with `create`, creates afresh) the bench's own schemas. */
export async function dropSchemas(url: string, schemas: string[], create = false): Promise<void> {
  const { Client } = require('pg') as typeof import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      if (create) await client.query(`CREATE SCHEMA "${schema}"`);
    }
  } finally {
    await client.end();
  }
}
