/**
 * What the machine allows, measured in the same run: the disk's fsync rate, and the same
 * rows written and read with the drivers alone (better-sqlite3 with WAL and
 * synchronous=FULL like the store; pg with synchronous_commit on like the store).
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { NewEvent } from '@accord/event-store';
import { commitmentStream } from './support/log-generator';

export interface LimitFigures {
  /** write + fsync of 512 B, per second. */
  readonly fsync: number;
  readonly sqlite: { insert1: number; insert100: number; readAll: number };
  readonly postgres?: { insert1: number; insert100: number; readAll: number };
}

const perSecond = (count: number, ms: number): number => Math.round((count * 1000) / ms);

function during(ms: number, work: () => number): number {
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < ms) n += work();
  return perSecond(n, performance.now() - started);
}

async function duringAsync(ms: number, work: () => Promise<number>): Promise<number> {
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < ms) n += await work();
  return perSecond(n, performance.now() - started);
}

export function fsyncRate(dir: string, ms: number): number {
  const file = join(dir, 'fsync.probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(512, 1);
  try {
    return during(ms, () => {
      writeSync(fd, block, 0, block.length, 0);
      fsyncSync(fd);
      return 1;
    });
  } finally {
    closeSync(fd);
    rmSync(file);
  }
}

/** Rows as the store writes them: stream, revision, id, type, schema version, data and metadata JSON. */
function rowsOf(events: readonly NewEvent[], streamId: string) {
  return events.map((e, revision) => ({
    streamId,
    revision,
    id: e.id,
    type: e.type,
    data: JSON.stringify(e.data),
    metadata: JSON.stringify(e.metadata),
  }));
}

function rowSource() {
  let stream = commitmentStream(100);
  let rows = rowsOf(stream.events, stream.streamId);
  let next = 0;
  return (): (typeof rows)[number] => {
    if (next === rows.length) {
      stream = commitmentStream(100);
      rows = rowsOf(stream.events, stream.streamId);
      next = 0;
    }
    return rows[next++];
  };
}

const SQLITE_SCHEMA = `CREATE TABLE events (
  position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
  id TEXT NOT NULL COLLATE NOCASE UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
  data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision))`;

export function rawSqlite(dir: string, ms: number): LimitFigures['sqlite'] {
  const file = join(dir, 'raw.db');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SQLITE_SCHEMA);
    const insert = db.prepare(
      'INSERT INTO events (stream_id, revision, id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)',
    );
    const next = rowSource();
    const commit = db.transaction((n: number) => {
      const at = new Date().toISOString();
      for (let i = 0; i < n; i++) {
        const r = next();
        insert.run(r.streamId, r.revision, r.id, r.type, r.data, r.metadata, at);
      }
      return n;
    });
    const insert1 = during(ms, () => commit(1));
    const insert100 = during(ms, () => commit(100));
    const select = db.prepare('SELECT * FROM events ORDER BY position').raw();
    let readAll = 0;
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      let n = 0;
      for (const row of select.iterate() as IterableIterator<unknown[]>) {
        JSON.parse(row[6] as string);
        JSON.parse(row[7] as string);
        n++;
      }
      readAll = Math.max(readAll, perSecond(n, performance.now() - started));
    }
    return { insert1, insert100, readAll };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

export async function rawPostgres(url: string, ms: number): Promise<LimitFigures['postgres']> {
  const schema = `accord_bench_raw_${Date.now().toString(36)}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit TO on');
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.events (
      position bigserial PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL, id text NOT NULL,
      type text NOT NULL, schema_version integer NOT NULL, data json NOT NULL, metadata json NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, revision))`);
    await client.query(`CREATE UNIQUE INDEX ON ${schema}.events (lower(id))`);
    const next = rowSource();
    const insert = {
      name: 'raw-insert',
      text: `INSERT INTO ${schema}.events (stream_id, revision, id, type, schema_version, data, metadata)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::json[], $7::json[])`,
    };
    const write = async (n: number) => {
      const rows = Array.from({ length: n }, next);
      await client.query({
        ...insert,
        values: [
          rows.map((r) => r.streamId),
          rows.map((r) => r.revision),
          rows.map((r) => r.id),
          rows.map((r) => r.type),
          rows.map(() => 1),
          rows.map((r) => r.data),
          rows.map((r) => r.metadata),
        ],
      });
      return n;
    };
    const insert1 = await duringAsync(ms, () => write(1));
    const insert100 = await duringAsync(ms, () => write(100));
    let readAll = 0;
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const { rows } = await client.query({
        text: `SELECT * FROM ${schema}.events ORDER BY position`,
        rowMode: 'array',
      });
      readAll = Math.max(readAll, perSecond(rows.length, performance.now() - started));
    }
    return { insert1, insert100, readAll };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  }
}
