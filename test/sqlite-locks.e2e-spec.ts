import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { registerAgreement, writeCommitmentsInProgress } from '../bench/support/log-generator';
import { startApi, type ApiProcess } from './support/api-process';

const ADMIN_KEY = 'test-admin-key-0123456789';
const CLIENTS = 8;
const SECONDS = 4;
const COMMITMENTS = 200;

/**
 * Issue 12, item 5: with the workers on, clients sending Idempotency-Key wrote their records
 * on one connection while another connection of the process held a write transaction across
 * an await; the first slept in SQLite's busy handler and the API stalled, then answered 500
 * `database is locked`. Here two processes share one file (workers on in the first) and 8
 * clients report progress with keys for a few seconds: no 5xx, and every 200 is in the log.
 */
describe('two API processes on one SQLite file, 8 clients with Idempotency-Key', () => {
  let dir: string;
  let apis: ApiProcess[] = [];
  let commitmentIds: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-locks-e2e-'));
    // Commitments in progress, owned by MA, written as the command path would have.
    const store = await SqliteEventStore.open(join(dir, 'accord.db'));
    try {
      await registerAgreement(store, Date.UTC(2026, 0, 1));
      commitmentIds = await writeCommitmentsInProgress(store, COMMITMENTS);
    } finally {
      await store.close();
    }
    const env = (workers: string) => ({
      ACCORD_STORE: `sqlite:${join(dir, 'accord.db')}`,
      ACCORD_ADMIN_KEY: ADMIN_KEY,
      ACCORD_WORKERS: workers,
      LOG_LEVEL: 'info', // startApi waits for the line saying it listens
    });
    apis = [await startApi(env('on'), dir)];
    apis.push(await startApi(env('off'), dir));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (url: string, path: string, key: string, body: unknown, idempotencyKey?: string) => {
    const response = await fetch(url + path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('answers no 5xx, and every acknowledged progress report is in the log', async () => {
    const [first, second] = apis;
    const integration = String(
      (await post(first.url, '/admin/keys', ADMIN_KEY, { name: 'integration', role: 'integration', party: 'MA' })).json
        .key,
    );
    const statuses: Record<number, number> = {};
    const acknowledged: { id: string; revision: number }[] = [];
    const failures: string[] = [];
    const until = Date.now() + SECONDS * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const url = (client % 2 === 0 ? first : second).url;
        for (let n = 0; Date.now() < until; n++) {
          const id = commitmentIds[next++ % commitmentIds.length];
          const body = { percent: 50, narrative: `Report ${n} of client ${client}.` };
          try {
            const answer = await post(url, `/commitments/${id}/progress`, integration, body, `locks-${client}-${n}`);
            statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
            if (answer.status === 200) acknowledged.push({ id, revision: Number(answer.json.revision) });
            else failures.push(`${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`);
          } catch (error) {
            failures.push(String(error));
          }
        }
      }),
    );

    expect(failures.slice(0, 5)).toEqual([]);
    expect(Object.keys(statuses)).toEqual(['200']);
    expect(acknowledged.length).toBeGreaterThan(CLIENTS);
    for (const api of apis) expect(api.lines.filter((line) => /database is locked|SQLITE_BUSY/.test(line))).toEqual([]);

    const db = new Database(join(dir, 'accord.db'), { readonly: true });
    try {
      const reported = db.prepare<[string, number], { type: string }>(
        'SELECT type FROM events WHERE stream_id = ? AND revision = ?',
      );
      const missing = acknowledged.filter(
        ({ id, revision }) => reported.get(`commitment-${id}`, revision)?.type !== 'ProgressReported',
      );
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
  }, 120_000);
});
