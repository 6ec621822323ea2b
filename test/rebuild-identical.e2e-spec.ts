import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitmentIdOf } from '@accord/commitments';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { ProjectionRunner, type RunnerOptions } from '@accord/projection-runner';
import { quote, SqliteDb } from '@accord/sql';
import { generateLog, writeCommitmentsInProgress } from '../bench/support/log-generator';
import { allProjections, evolveCommitmentRecord, initialCommitmentRecord } from '@accord/read-models';

/**
 * Every read model rebuilt (one pass, the writer thread, batches of any size) holds the
 * same rows, byte for byte, as the same read models projected live over the same log.
 */
describe('rebuild of every read model', () => {
  let dir: string;
  let store: SqliteEventStore;
  const dbs: SqliteDb[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-rebuild-'));
    store = await SqliteEventStore.open(join(dir, 'log.db'));
    await generateLog(store, { events: 2500, streamLength: 40, activeStreams: 25, longStream: 1000 });
    await writeCommitmentsInProgress(store, 10);
  });
  afterAll(async () => {
    for (const db of dbs) await db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every row of every table of every read model, in key order, as the database returns it. */
  async function dump(runner: ProjectionRunner, db: SqliteDb): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const projection of allProjections) {
      const tables = await runner.tables(projection.name);
      for (const spec of projection.tables) {
        const order = spec.key.map((k) => quote(k)).join(', ');
        out[`${projection.name}.${spec.name}`] = await db.query(
          `SELECT * FROM ${quote(tables[spec.name])} ORDER BY ${order}`,
        );
      }
    }
    return out;
  }

  let projectedLive: Promise<Record<string, unknown[]>> | undefined;
  async function live(): Promise<Record<string, unknown[]>> {
    const db = new SqliteDb(join(dir, 'live.db'));
    dbs.push(db);
    const runner = new ProjectionRunner(store, db, allProjections, { batchSize: 97 });
    await runner.start();
    await runner.caughtUp();
    await runner.stop();
    return dump(runner, db);
  }

  async function rebuilt(file: string, options: RunnerOptions): Promise<Record<string, unknown[]>> {
    const db = new SqliteDb(join(dir, file));
    dbs.push(db);
    const runner = new ProjectionRunner(store, db, allProjections, options);
    await runner.rebuild(allProjections.map((p) => p.name));
    return dump(runner, db);
  }

  it.each([
    ['in one batch, on the writer thread', 'one.db', {}],
    ['in batches of 300, on the writer thread', 'threaded.db', { buildBatchSize: 300, cacheRows: 50 }],
    ['in batches of 700, on this thread', 'here.db', { buildBatchSize: 700, buildOffThread: false }],
  ])('holds the rows the live projections hold, %s', async (_, file, options: RunnerOptions) => {
    const expected = await (projectedLive ??= live());
    const rows = await rebuilt(file, options);
    expect(Object.keys(rows)).toEqual(Object.keys(expected));
    // Every event but the agreement's is a commitment's.
    expect(expected['commitment-history.commitment_history']).toHaveLength(2539);
    expect(expected['log-tree.tree_leaves']).toHaveLength(2540);
    for (const table of Object.keys(expected)) expect([table, rows[table]]).toEqual([table, expected[table]]);
  });

  it('keeps the evidence of each commitment as the fold of its events (a value, a copy each event) has it', async () => {
    const db = new SqliteDb(join(dir, 'fold.db'));
    dbs.push(db);
    const runner = new ProjectionRunner(store, db, allProjections, { buildBatchSize: 450 });
    await runner.rebuild('commitments');
    const tables = await runner.tables('commitments');
    const rows = await db.query<{ id: string; evidence: string }>(
      `SELECT id, evidence FROM ${quote(tables.commitments)} ORDER BY id`,
    );
    const events = await store.readAll({ maxCount: 10_000 });
    let longest = 0;
    for (const row of rows) {
      const own = events.filter((e) => commitmentIdOf(e.streamId) === row.id);
      const folded = own.reduce(evolveCommitmentRecord, initialCommitmentRecord);
      expect(row.evidence).toBe(JSON.stringify(folded.evidence));
      longest = Math.max(longest, folded.evidence.length);
    }
    // The long stream's evidence spans several batches.
    expect(longest).toBeGreaterThan(900);
  });
});
