import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import {
  keyOnTwoTargets,
  keyReuseWave,
  positionsWave,
  retryWave,
  setUp,
  type Fixture,
} from '../bench/support/ack-waves';
import { startApi, type ApiProcess } from './support/api-process';

const ADMIN_KEY = 'test-admin-key-0123456789';

/**
 * Two API processes on one store, as `npm start` runs them (issue 12, items 1 and 11): an
 * Idempotency-Key is claimed once across both, one stream's contention is absorbed across
 * both, and an instance SIGKILLed in the middle of a wave leaves no answer untrue once the
 * clients have retried on the other.
 */
function twoInstances(name: string, storeUrlOf: () => string): void {
  describe(name, () => {
    let apis: ApiProcess[] = [];
    let f: Fixture;

    beforeAll(async () => {
      const env = (workers: string) => ({
        ACCORD_STORE: storeUrlOf(),
        ACCORD_ADMIN_KEY: ADMIN_KEY,
        ACCORD_WORKERS: workers,
        ACCORD_IDEMPOTENCY_LEASE_MS: '1000',
      });
      const first = await startApi(env('on'), process.cwd());
      apis = [first, await startApi(env('off'), process.cwd())];
      f = await setUp(
        apis.map((a) => a.url),
        ADMIN_KEY,
      );
    }, 120_000);
    afterAll(async () => {
      await Promise.all(apis.map((a) => a.stop('SIGKILL')));
    });

    it('applies one of 50 parallel requests with one key and 50 bodies, refusing 49, across both', async () => {
      const figures = await keyReuseWave(f, 50);
      expect(figures).toEqual({
        requests: 50,
        acknowledged: 1,
        refused409: 49,
        other: 0,
        acknowledgedNotApplied: 0,
        eventsAppended: 1,
      });
    });

    it('refuses a key reused on another commitment through the other instance', async () => {
      expect(await keyOnTwoTargets(f)).toEqual({ secondStatus: 409, bothApplied: false });
    });

    it('records 100 parallel positions on one session across both instances, all 200', async () => {
      expect(await positionsWave(f, 100)).toEqual({
        requests: 100,
        ok: 100,
        conflicts409: 0,
        other: 0,
        otherStatuses: {},
      });
    }, 120_000);

    it('answers every client truly when one instance is SIGKILLed mid-wave and the clients retry', async () => {
      const victim = apis[1];
      const figures = await retryWave(f, { clients: 60, midWave: () => void victim.child.kill('SIGKILL') });
      expect(victim.child.signalCode ?? (await victim.stop('SIGKILL'))).toBe('SIGKILL');
      expect(figures).toMatchObject({
        clients: 60,
        answered2xx: 60,
        answeredOther: {},
        acknowledgedNotApplied: 0,
        appliedTwice: 0,
      });
    }, 120_000);
  });
}

describe('Idempotency-Key and contention across API processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-two-apis-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  twoInstances('two processes on one SQLite file', () => `sqlite:${join(dir, 'accord.db')}`);
});

describeWithPostgres('Idempotency-Key and contention across API instances on PostgreSQL', () => {
  const schema = testSchemaName();
  afterAll(() => dropTestSchema(schema));

  twoInstances('two instances on one PostgreSQL schema', () => `${TEST_PG_URL}?schema=${schema}`);
});
