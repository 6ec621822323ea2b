/** Idempotency-Key under SQLite's locks, one process and two on one file (bench/locks.bench.ts). */
import { locksBench, locksFigures } from '../locks.bench';
import type { BenchContext } from './context';

export async function locksScenario(bench: BenchContext): Promise<void> {
  const { config, say, add, step } = bench;
  say('sqlite: 8 connections with and without Idempotency-Key, one process, then two on one file');
  const locks = await step('sqlite locks', () =>
    locksBench({ seconds: Math.max(3, config.loadSeconds / 4), warmUpSeconds: 1, say }),
  );
  for (const figure of locksFigures(locks ?? [])) add(figure);
}
