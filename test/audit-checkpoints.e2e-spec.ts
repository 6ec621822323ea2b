import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresEventTable, sqliteEventTable } from '@accord/audit/testing/event-tables';
import { rewriteWithRecomputedHashes, type EventTable } from '@accord/audit/testing/tamper.suite';
import type { RecordedEvent } from '@accord/event-store';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, startTestApp } from './support/test-app';
import { runWorkload } from './support/workload';
import { accord } from './support/cli';

/** The store's events table, opened around the store: SQLite's file or PostgreSQL's schema. */
async function tableOf(storeUrl: string): Promise<EventTable & { close(): Promise<void> }> {
  if (storeUrl.startsWith('sqlite:')) return sqliteEventTable(storeUrl.slice('sqlite:'.length));
  return postgresEventTable(TEST_PG_URL, new URL(storeUrl).searchParams.get('schema')!);
}

/**
 * `accord audit verify` holds the log to the checkpoints the API signed (issue 16, point 6):
 * a stream rewritten with recomputed hashes passes the chain, and verify names the first
 * rewritten event from the checkpoints, on SQLite and (in the PostgreSQL run) PostgreSQL.
 */
describe('accord audit verify with the checkpoints kept beside the log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-checkpoints-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a stream rewritten with recomputed hashes, names its first event, and bounds it once the tree is rebuilt', async () => {
    const t = await startTestApp({ dir });
    await runWorkload(t, 31, 60);
    const sign = async () => (await t.post('/audit/checkpoints', {}, ADMIN_KEY)).json() as { treeSize: number };
    const first = await sign();
    await runWorkload(t, 32, 30);
    const second = await sign();
    const log: RecordedEvent[] = await t.log();
    await t.close();
    const storeUrl = readFileSync(join(dir, 'store-url'), 'utf8');
    const env = { ACCORD_STORE: storeUrl };

    const clean = await accord(['audit', 'verify', '--json'], env);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({
      intact: true,
      chainIntact: true,
      checkpoints: { checked: 2, held: 2, findings: [] },
    });

    // A commitment's stream, rewritten as the public recipe allows: every link still holds.
    const victim = log.find(
      (e) => e.streamId.startsWith('commitment-') && e.revision === 0 && log.indexOf(e) < first.treeSize,
    )!;
    const stream = log.filter((e) => e.streamId === victim.streamId);
    const table = await tableOf(storeUrl);
    await rewriteWithRecomputedHashes(table, stream);
    await table.close();

    const caught = await accord(['audit', 'verify', '--json'], env);
    expect(caught.code).toBe(3);
    const report = JSON.parse(caught.stdout);
    expect(report).toMatchObject({ intact: false, chainIntact: true, checkpoints: { checked: 2, held: 0 } });
    expect(report.checkpoints.findings[0]).toMatchObject({
      treeSize: first.treeSize,
      problem: 'root-mismatch',
      rewritten: { leaf: log.indexOf(victim), position: victim.position, streamId: victim.streamId, revision: 0 },
    });
    expect(report.checkpoints.findings[1]).toMatchObject({ treeSize: second.treeSize, problem: 'root-mismatch' });
    const text = await accord(['audit', 'verify'], env);
    expect(text.stdout).toContain(`BROKEN checkpoint ${first.treeSize}: root-mismatch`);
    expect(text.stdout).toContain(
      `first rewritten: leaf ${log.indexOf(victim)}, position ${victim.position}, ${victim.streamId} revision 0`,
    );

    // The forger rebuilds the tree over the rewritten log: the signed roots still bound it.
    expect((await accord(['projections', 'rebuild', 'log-tree'], env)).code).toBe(0);
    const bounded = JSON.parse((await accord(['audit', 'verify', '--json'], env)).stdout);
    const finding = bounded.checkpoints.findings[0];
    expect(finding.rewritten).toBeUndefined();
    expect(finding.range.begin).toBeLessThanOrEqual(log.indexOf(victim));
    expect(finding.range.end).toBeGreaterThan(log.indexOf(victim));
    expect(finding.range.streams).toContain(victim.streamId);
  });

  it('never signs a tree that no longer extends its last checkpoint, and says so in /health', async () => {
    const t = await startTestApp({ dir });
    await runWorkload(t, 33, 40);
    const first = await t.post('/audit/checkpoints', {}, ADMIN_KEY);
    expect(first.statusCode).toBe(201);
    const [victim] = await t.store.readAll({ after: 3, maxCount: 1 });
    const table = await tableOf(readFileSync(join(dir, 'store-url'), 'utf8'));
    const row = await table.row(victim.position);
    await table.update(victim.position, { data: row.data.replace(/"[^"]*"(\s*[,}])/, '"x"$1') });
    await table.close();
    await t.app.get(Workers).projections.rebuild('log-tree');

    const refused = await t.post('/audit/checkpoints', {}, ADMIN_KEY);
    expect([refused.statusCode, refused.json().code]).toEqual([409, 'CONFLICT']);
    expect(refused.json().detail).toContain('no longer have the root of the last checkpoint');
    const health = await t.request({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'degraded',
      details: { integrity: { status: 'down', checkpoint: { lastCheckpoint: first.json().treeSize } } },
    });
    // The kept checkpoint is still the latest: nothing was signed over the forgery.
    expect((await t.request({ method: 'GET', url: '/audit/checkpoint', key: ADMIN_KEY })).json().note).toBe(
      first.json().note,
    );
    await t.close();
  });

  it('signs one checkpoint per size from two instances on one database, however many ask at once', async () => {
    const a = await startTestApp({ dir });
    const b = await startTestApp({ dir, workers: false });
    try {
      const keyA = (await a.request({ method: 'GET', url: '/audit/log-key', key: ADMIN_KEY })).json();
      const keyB = (await b.request({ method: 'GET', url: '/audit/log-key', key: ADMIN_KEY })).json();
      expect(keyB).toEqual(keyA);
      for (let round = 0; round < 3; round++) {
        await runWorkload(a, 40 + round, 15);
        // Ten requests at once on each instance: every one is answered with the same checkpoint.
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).post('/audit/checkpoints', {}, ADMIN_KEY)),
        );
        expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
        expect(new Set(answers.map((r) => r.json().note)).size).toBe(1);
      }
      const listed = (await b.request({ method: 'GET', url: '/audit/checkpoints', key: ADMIN_KEY })).json();
      const sizes = listed.items.map((c: { treeSize: number }) => c.treeSize);
      expect(sizes).toHaveLength(3);
      expect(new Set(sizes).size).toBe(3);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
