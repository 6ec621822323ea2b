/**
 * Scenario 7, first part: what the machine allows (fsync, raw better-sqlite3, raw pg) and
 * the framework's ceiling. Run first, while nothing else of ours runs; the other scenarios
 * set their figures beside these.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fsyncRate, rawPostgres, rawSqlite, type LimitFigures } from '../limits';
import { progressLoad, type LoadResult } from '../support/load';
import { DIST, startServer } from '../support/processes';
import { COMMITMENTS, CONNECTIONS, PG_URL, SCENARIO, type BenchContext } from './context';

export interface Limits extends LimitFigures {
  /** The framework ceiling's load, unless it failed. */
  readonly ceiling?: LoadResult;
}

export async function limitsScenario(bench: BenchContext): Promise<Limits> {
  const { config, postgres, say, add, step } = bench;
  say('limits: fsync, raw better-sqlite3, raw pg');
  const fsync = fsyncRate(bench.dir, config.limitMs);
  const sqliteRaw = rawSqlite(bench.dir, config.limitMs);
  const pgRaw = postgres ? await step('raw pg', () => rawPostgres(PG_URL, config.limitMs)) : undefined;
  add({
    scenario: SCENARIO.limits,
    store: 'none',
    metric: 'disk: write + fsync of 512 B',
    value: fsync,
    unit: 'fsyncs/s',
  });

  say('limits: the framework ceiling (NestJS on Fastify, same auth and validation, answering from memory)');
  const ceiling = await step('framework ceiling', async () => {
    const key = `acc_${randomBytes(32).toString('base64url')}`;
    const server = await startServer(join(DIST, 'bench', 'framework-ceiling.js'), { ACCORD_BENCH_KEY: key });
    try {
      return await progressLoad({
        url: server.url,
        key,
        commitmentIds: Array.from(
          { length: COMMITMENTS },
          (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        ),
        connections: CONNECTIONS,
        seconds: config.loadSeconds,
        warmUpSeconds: config.warmUpSeconds,
        serverPid: server.pid,
      });
    } finally {
      await server.stop();
    }
  });
  if (ceiling) {
    say(`  ceiling: ${ceiling.okPerSecond} requests/s, p50 ${ceiling.p50Ms} ms, p99 ${ceiling.p99Ms} ms`);
    add({
      scenario: SCENARIO.limits,
      store: 'none',
      metric: `framework ceiling: requests/s (${CONNECTIONS} connections)`,
      value: ceiling.okPerSecond,
      unit: 'requests/s',
    });
    add({
      scenario: SCENARIO.limits,
      store: 'none',
      metric: 'framework ceiling: p50 latency',
      value: ceiling.p50Ms,
      unit: 'ms',
    });
    add({
      scenario: SCENARIO.limits,
      store: 'none',
      metric: 'framework ceiling: p99 latency',
      value: ceiling.p99Ms,
      unit: 'ms',
    });
  }
  return { fsync, sqlite: sqliteRaw, postgres: pgRaw, ceiling };
}
