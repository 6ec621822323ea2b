import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@accord/event-store';
import { eventLeafHash } from '@accord/log-tree';
import { CompactRange } from '@accord/merkle';
import type { SqlDb } from '@accord/sql';
import { Workers } from '../apps/api/src/workers/workers.module';
import { openSideDb } from '../apps/api/src/infrastructure/state/open-api-state';
import { foldCommitments, foldSessions } from './support/independent-fold';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { lastPosition, prng, runWorkload, WorkloadStats } from './support/workload';

const MAIN = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'main.js');
const PROJECTIONS = ['agreements', 'commitments', 'commitment-history', 'sessions', 'time-travel', 'log-tree'];
const SEED = 20261128;

/**
 * Acceptance of the read side: a random workload of 2,000+ commands, then every row the
 * API serves is compared with a fold of the raw events written for this test alone; the
 * same after a rebuild, and after the projection runner was SIGKILLed mid-way, restarted.
 */
describe('read models agree with an independent fold of the log', () => {
  let dir: string;
  let t: TestApp;
  let stats: WorkloadStats;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-readmodels-'));
    t = await startTestApp({ dir });
    stats = await runWorkload(t, SEED, 2000);
  }, 180_000);
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const response = await t.request({ method: 'GET', url, key: ADMIN_KEY });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };

  async function compareEverything(): Promise<number> {
    const head = await lastPosition(t);
    const workers = t.app.get(Workers);
    for (const name of PROJECTIONS) expect(await workers.projections.waitFor(name, head, 30000)).toBe(true);
    const log = await t.log();
    const expectedCommitments = foldCommitments(log);
    const expectedSessions = foldSessions(log);
    const agreements = [
      ...new Set(log.filter((e) => e.type === 'AgreementRegistered').map((e) => e.streamId.slice(10))),
    ];

    // The log tree: a checkpoint signed now has the root of the tree folded here from the events.
    const signed = await t.post('/audit/checkpoints', {}, ADMIN_KEY);
    expect(signed.statusCode).toBe(201);
    const range = CompactRange.empty();
    for (const event of log) range.append(eventLeafHash(event));
    expect(signed.json()).toMatchObject({
      treeSize: log.length,
      rootHash: Buffer.from(range.root()).toString('base64'),
    });

    // Commitments, as GET /commitments serves them, every page.
    const served = new Map<string, unknown>();
    for (const agreementId of agreements) {
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; nextCursor: string | null } = await get(
          `/commitments?agreementId=${agreementId}&limit=97${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const item of page.items) served.set(item.id, item);
        cursor = page.nextCursor;
      } while (cursor);
    }
    expect(served.size).toBe(expectedCommitments.size);
    for (const [id, expected] of expectedCommitments) expect(served.get(id)).toEqual(expected);

    // The history of every commitment: one entry per event, in order, with the actor's party.
    const byStream = new Map<string, RecordedEvent[]>();
    for (const e of log) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    for (const id of expectedCommitments.keys()) {
      const { items } = await get(`/commitments/${id}/history`);
      const events = byStream.get(`commitment-${id}`)!;
      expect(
        items.map((i: { revision: number; position: number; type: string }) => [i.revision, i.position, i.type]),
      ).toEqual(events.map((e) => [e.revision, e.position, e.type]));
      expect(items.map((i: { actor: { party: string | null } }) => i.actor?.party ?? null)).toEqual(
        events.map((e) => (e.metadata.actor as { party?: string }).party ?? null),
      );
    }

    // Every session: status, attendance, each item's positions, decision or deferral.
    for (const [id, expected] of expectedSessions) {
      const view = await get(`/sessions/${id}`);
      expect({
        id: view.id,
        agreementId: view.agreementId,
        status: view.status,
        attendance: view.attendance,
        revision: view.revision,
        items: view.items.map(
          (i: {
            itemId: string;
            commitmentId: string;
            kind: string;
            status: string;
            outcome: string | null;
            positions: Record<string, { position: string }>;
          }) => ({
            itemId: i.itemId,
            commitmentId: i.commitmentId,
            kind: i.kind,
            status: i.status,
            outcome: i.outcome,
            positions: Object.fromEntries(Object.entries(i.positions).map(([party, p]) => [party, p.position])),
          }),
        ),
      }).toEqual(expected);
    }

    // The dashboard's counts are those of the fold.
    for (const agreementId of agreements) {
      const counts = new Map<string, number>();
      for (const c of expectedCommitments.values()) {
        if (c.agreementId !== agreementId) continue;
        const key = `${c.status}|${c.domain}|${c.proposingParty}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const dashboard = await get(`/agreements/${agreementId}/dashboard`);
      const served = new Map<string, number>(
        dashboard.counts.map((c: { status: string; domain: string; party: string; count: number }) => [
          `${c.status}|${c.domain}|${c.party}`,
          c.count,
        ]),
      );
      expect(served).toEqual(counts);
    }
    return expectedCommitments.size;
  }

  it('ran a random workload of at least 2,000 commands, refusals included', () => {
    expect(stats.commands).toBeGreaterThanOrEqual(2000);
    expect(stats.accepted).toBeGreaterThan(1000);
    expect(stats.refused).toBeGreaterThan(20);
    expect(Object.keys(stats.byStatus).every((status) => Number(status) < 500)).toBe(true);
  });

  it('serves exactly the fold after the workload', async () => {
    expect(await compareEverything()).toBeGreaterThan(100);
  }, 120_000);

  it('serves exactly the fold after every projection is rebuilt', async () => {
    const workers = t.app.get(Workers);
    const generations = (await workers.projections.status()).map((s) => s.generation);
    for (const name of PROJECTIONS) await workers.projections.rebuild(name);
    expect((await workers.projections.status()).map((s) => s.generation)).toEqual(generations.map((g) => g + 1));
    await compareEverything();
  }, 120_000);

  it('serves exactly the fold after the runner was SIGKILLed at random points and restarted', async () => {
    const head = await lastPosition(t);
    const storeUrl = t.storeUrl;
    await t.close();
    const db = openSideDb(storeUrl);
    await resetProjections(db);
    const random = prng(SEED + 1);
    let kills = 0;
    let reached = 0;
    for (let round = 0; round < 5; round++) {
      const target = reached + Math.floor(random() * (head - reached) * 0.5) + 1;
      const child = runner(storeUrl);
      const exit = once(child, 'exit');
      for (;;) {
        reached = await checkpointOf(db, 'commitments');
        if (reached >= target || child.exitCode !== null) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      child.kill('SIGKILL');
      await exit;
      kills++;
    }
    await db.close();
    expect(kills).toBe(5);
    expect(reached).toBeLessThan(head); // the kills landed before the end, so restarts had work left

    t = await startTestApp({ dir });
    await compareEverything();
  }, 180_000);

  function runner(storeUrl: string) {
    return spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ACCORD_STORE: storeUrl,
        ACCORD_ADMIN_KEY: ADMIN_KEY,
        ACCORD_PROJECTION_BATCH: '25',
        ACCORD_DEADLINE_CHECK_MS: '3600000',
      },
      stdio: 'ignore',
    });
  }
});

/** Forgets every read model (tables, registry, checkpoints); the log and the process manager stay. */
async function resetProjections(db: SqlDb): Promise<void> {
  const tables =
    db.dialect === 'sqlite'
      ? await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      : await db.query<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()');
  for (const { name } of tables) if (/_v\d+_g\d+$/.test(name)) await db.exec(`DROP TABLE "${name}"`);
  await db.execute('DELETE FROM projection_registry');
  await db.execute("DELETE FROM checkpoints WHERE name LIKE 'projection:%'");
}

async function checkpointOf(db: SqlDb, projection: string): Promise<number> {
  const [entry] = await db.query<{ version: number; generation: number }>(
    'SELECT version, generation FROM projection_registry WHERE name = ?',
    [projection],
  );
  if (!entry) return 0;
  const [row] = await db.query<{ position: number }>('SELECT position FROM checkpoints WHERE name = ?', [
    `projection:${projection}:v${entry.version}:g${entry.generation}`,
  ]);
  return row ? Number(row.position) : 0;
}
