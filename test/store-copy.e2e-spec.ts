import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainEvents } from '@accord/audit';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { openEventStore } from '@accord/store-factory';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { copyStore } from '../apps/cli/src/store.command';
import { startTestApp } from './support/test-app';
import { prng, runWorkload } from './support/workload';

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

/** `accord …` in a child process: its exit code and output, whatever the outcome. */
async function accord(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ACCORD, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/**
 * A SQLite log of `count` chained events over 300 interleaved streams (one or two events an
 * append), written a window of appends at a time: many pages, few commits.
 */
async function writeLog(file: string, count: number, seed: number): Promise<void> {
  const random = prng(seed);
  const store = await SqliteEventStore.open(file);
  const streams = Array.from({ length: 300 }, () => ({
    id: `commitment-${randomUUID()}`,
    last: -1,
    hash: '0'.repeat(64),
  }));
  let written = 0;
  while (written < count) {
    const appends: Promise<unknown>[] = [];
    for (let k = 0; k < 200 && written < count; k++) {
      const stream = streams[Math.floor(random() * streams.length)];
      const n = Math.min(count - written, random() < 0.3 ? 2 : 1);
      const events = chainEvents(
        stream.id,
        stream.last + 1,
        stream.hash,
        Array.from({ length: n }, (_, i) => ({
          id: randomUUID(),
          type: stream.last + 1 + i === 0 ? 'CommitmentProposed' : 'ProgressReported',
          data: { n: written + i, narrative: `Étape ${written + i} « ok » \u2028 😀`, big: 1e21 },
          metadata: { occurredAt: new Date(Date.UTC(2027, 0, 1) + (written + i) * 1000).toISOString() },
        })),
      );
      appends.push(store.append(stream.id, events, { expectedRevision: stream.last < 0 ? 'no_stream' : stream.last }));
      stream.last += n;
      stream.hash = events[n - 1].metadata!.hash as string;
      written += n;
    }
    await Promise.all(appends);
  }
  await store.close();
}

/** Events in a store, read behind the copy's back (0 before the copy created anything). */
async function countEvents(url: string, schema?: string): Promise<number> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (!existsSync(file)) return 0;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    } catch {
      return 0; // not migrated yet
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.events`);
    return Number(rows[0].n);
  } catch {
    return 0;
  } finally {
    await client.end();
  }
}

/** Starts a copy, SIGKILLs it once the target holds `atLeast` events, and returns what the target holds then. */
async function copyKilledAt(from: string, to: string, atLeast: number, count: () => Promise<number>): Promise<number> {
  const child = spawn(process.execPath, [ACCORD, 'store', 'copy', '--from', from, '--to', to], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && (await count()) < atLeast) await new Promise((resolve) => setTimeout(resolve, 10));
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the copy ended (${code}) before it could be killed:\n${output}`);
  return count();
}

describeWithPostgres('npx accord store copy: 12,000 events across pages, SIGKILLed three times', () => {
  const TOTAL = 12_000;
  let dir: string;
  let schema: string;
  let source: string;
  let postgres: string;
  let back: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-copy-long-'));
    schema = testSchemaName();
    source = `sqlite:${join(dir, 'source.db')}`;
    postgres = `${TEST_PG_URL}?schema=${schema}`;
    back = `sqlite:${join(dir, 'back.db')}`;
    await writeLog(join(dir, 'source.db'), TOTAL, 12);
  }, 120_000);
  afterAll(async () => {
    await dropTestSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes after each kill and ends identical, compared through export: SQLite → PostgreSQL → SQLite', async () => {
    const inPostgres = () => countEvents(postgres, schema);
    const inBack = () => countEvents(back);
    const kills: number[] = [];
    // 1: at the first commit into PostgreSQL; 2: halfway through the resumed copy; 3: on the way back.
    kills.push(await copyKilledAt(source, postgres, 1, inPostgres));
    kills.push(await copyKilledAt(source, postgres, 6_000, inPostgres));
    expect(kills[1]).toBeGreaterThanOrEqual(6_000);
    const there = await accord(['store', 'copy', '--from', source, '--to', postgres]);
    expect(there).toMatchObject({ code: 0 });
    expect(there.stdout).toContain(`copied ${TOTAL - kills[1]} events (${kills[1]} already there) of ${TOTAL}`);
    expect(there.stdout).toMatch(/verified: 12000 events, 300 streams, every hash chain intact/);
    expect(there.stderr).toMatch(/copy sqlite:.* → postgres:.*: \d+\/12000\n/); // progress
    expect(there.stderr).not.toMatch(/\n\s+at /);

    kills.push(await copyKilledAt(postgres, back, 4_000, inBack));
    const again = await accord(['store', 'copy', '--from', postgres, '--to', back]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain(`(${kills[2]} already there) of ${TOTAL}`);
    for (const killed of kills) expect(killed).toBeLessThan(TOTAL);
    expect(kills[0]).toBeGreaterThan(0);
    expect(kills[2]).toBeGreaterThanOrEqual(4_000);

    const exports: string[] = [];
    for (const [i, url] of [source, postgres, back].entries()) {
      const out = join(dir, `export-${i}.ndjson`);
      expect(await accord(['export', '--store', url, '--format', 'ndjson', '--out', out])).toMatchObject({ code: 0 });
      exports.push(readFileSync(out, 'utf8'));
    }
    expect(exports[0].split('\n')).toHaveLength(TOTAL + 1);
    expect(exports[1]).toBe(exports[0]);
    expect(exports[2]).toBe(exports[0]);
    console.log(
      `store copy: killed with ${kills.join(', ')} of ${TOTAL} events copied; ${there.stdout}${again.stdout}`,
    );
  }, 240_000);
});

describe('npx accord store copy refuses a broken source before copying anything', () => {
  let dir: string;
  let source: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-copy-broken-'));
    source = join(dir, 'source.db');
    await writeLog(source, 2_500, 8);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const broken = (name: string, sql: string): string => {
    const file = join(dir, name);
    copyFileSync(source, file);
    const db = new Database(file);
    db.prepare(sql).run();
    db.close();
    return `sqlite:${file}`;
  };

  it.each([
    [
      'an event whose content was changed',
      "UPDATE events SET data = replace(data, 'ok', 'forged') WHERE position = 2000",
      /BROKEN at position 2000, .*: hash-mismatch/,
    ],
    [
      'a stream with an event missing',
      'DELETE FROM events WHERE position = 1500',
      /BROKEN at position \d+, .*: revision-gap/,
    ],
  ])('%s: the verify report, exit 3, no target, no stack', async (_name, sql, report) => {
    const from = broken(`${randomUUID()}.db`, sql);
    const target = join(dir, `${randomUUID()}.db`);
    const refused = await accord(['store', 'copy', '--from', from, '--to', `sqlite:${target}`]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('the source does not verify, nothing was copied');
    expect(refused.stderr).toMatch(report);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(refused.stdout).toBe('');
    expect(existsSync(target)).toBe(false);
  });

  it('says which store it cannot open, or that the source does not exist, without a stack', async () => {
    const unreachable = await accord([
      'store',
      'copy',
      '--from',
      `sqlite:${source}`,
      '--to',
      'postgres://postgres@127.0.0.1:1/none',
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      /accord: cannot open postgres:\/\/postgres@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
    );
    const missing = await accord([
      'store',
      'copy',
      '--from',
      `sqlite:${join(dir, 'nothing.db')}`,
      '--to',
      `sqlite:${join(dir, 'x.db')}`,
    ]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/the source .*nothing\.db does not exist/),
    });
    expect(existsSync(join(dir, 'nothing.db'))).toBe(false);
    const same = await accord(['store', 'copy', '--from', `sqlite:${source}`, '--to', `sqlite:${source}`]);
    expect(same).toMatchObject({ code: 2, stderr: expect.stringMatching(/name the same store/) });
    for (const failure of [unreachable, missing, same]) expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
