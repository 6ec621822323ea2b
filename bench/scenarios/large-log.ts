/**
 * The large SQLite log (1M events, 30k with --quick): generated once through the real
 * deciders, its read models built, and kept in the cache; each run works on a copy, and
 * PostgreSQL gets it copied in. Also what is measured on it on either store: the rebuild
 * of every read model (scenario 3); audit verify (scenario 5) is verify.ts.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyToDisk } from '../support/copy-to-disk';
import { runTask } from '../support/processes';
import type { Prepared } from './commands';
import { COMMITMENTS, LONG_STREAM, SCENARIO, size, type BenchContext, type Store } from './context';

/** Bump when the generated log changes shape, so that old caches are not reused. */
const CACHE_VERSION = 2;

export interface RebuildResult {
  events: number;
  projections: { name: string; ms: number }[];
  totalMs: number;
  peakRssMb: number;
  /** The raw read of the same log (its own process, right after the rebuild). */
  rawRead?: RawReadResult;
}

/** Every event of the log read page by page through the store's readAll, no projection; on SQLite also a bare SELECT + JSON.parse. */
export interface RawReadResult {
  events: number;
  ms: number;
  bare?: { events: number; ms: number };
}

export interface LargeLog {
  /** The cached file: copy it before opening it. */
  readonly file: string;
  readonly meta: Prepared;
  /** The rebuild that built its read models, when this run generated it. */
  readonly rebuilt?: RebuildResult;
}

/** The rebuild, then the raw read of the same log at the rebuild's page size, each in a process of its own. */
export async function rebuild(url: string): Promise<RebuildResult> {
  const rebuilt = await runTask<RebuildResult>(['rebuild', url]);
  const rawRead = await runTask<RawReadResult>(['read', url, String(REBUILD_PAGE)]);
  return { ...rebuilt, rawRead };
}

/** Events per page and per transaction of a build (the runner's default). */
const REBUILD_PAGE = 20_000;

/** The pre-built large SQLite log: generated once through the deciders, its read models built, then reused. */
export async function largeSqliteLog(bench: BenchContext): Promise<LargeLog> {
  const { cacheDir, config, say } = bench;
  const file = join(cacheDir, `log-${size(config.large)}-v${CACHE_VERSION}.db`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    say(`reusing the ${size(config.large)}-event log in ${file}`);
    return { file, meta: JSON.parse(readFileSync(metaFile, 'utf8')) };
  }
  mkdirSync(cacheDir, { recursive: true });
  const building = `${file}.building`;
  rmSync(building, { force: true });
  say(`generating a ${size(config.large)}-event log through the deciders (once; kept in ${cacheDir})`);
  const meta = await runTask<Prepared>(
    [
      'prepare',
      `sqlite:${building}`,
      String(config.large - 4 * COMMITMENTS),
      String(LONG_STREAM),
      String(COMMITMENTS),
      '0',
    ],
    { onLine: (line) => say(line.trim()) },
  );
  say(`building its read models (scenario 3 on SQLite)`);
  const rebuilt = await rebuild(`sqlite:${building}`);
  for (const suffix of ['-wal', '-shm']) rmSync(building + suffix, { force: true });
  copyToDisk(building, file);
  rmSync(building, { force: true });
  writeFileSync(
    metaFile,
    JSON.stringify({ events: meta.events, commitmentIds: meta.commitmentIds, longCommitmentId: meta.longCommitmentId }),
  );
  return { file, meta, rebuilt };
}

export function addRebuild(bench: BenchContext, store: Store, result: RebuildResult): void {
  const { add } = bench;
  const perSecond = (ms: number) => Math.round((result.events * 1000) / ms);
  add({
    scenario: SCENARIO.rebuild,
    store,
    metric: `every read model and the log tree, ${size(result.events)} events, in one pass (accord projections rebuild all)`,
    value: perSecond(result.totalMs),
    unit: 'events/s',
    ...(store === 'sqlite' ? { target: '>= 100000' } : {}),
  });
  add({
    scenario: SCENARIO.rebuild,
    store,
    metric: 'peak RSS of the rebuild process',
    value: result.peakRssMb,
    unit: 'MiB',
    target: '<= 400',
  });
  const read = result.rawRead;
  if (!read || read.ms <= 0) return;
  const readPerSecond = Math.round((read.events * 1000) / read.ms);
  add({
    scenario: SCENARIO.rebuild,
    store,
    metric: `raw read of the same log, ${size(read.events)} events, pages of ${size(REBUILD_PAGE)} through readAll, no projection`,
    value: readPerSecond,
    unit: 'events/s',
  });
  if (read.bare && read.bare.ms > 0) {
    add({
      scenario: SCENARIO.rebuild,
      store,
      metric: 'bare SELECT of the same log + JSON.parse of data and metadata (no event objects)',
      value: Math.round((read.bare.events * 1000) / read.bare.ms),
      unit: 'events/s',
    });
  }
  add({
    scenario: SCENARIO.rebuild,
    store,
    metric: 'rebuild / raw read of the same log',
    value: Number((perSecond(result.totalMs) / readPerSecond).toFixed(2)),
    unit: 'ratio',
    target: '>= 0.8',
  });
}
