/**
 * What every scenario of `npm run bench` shares: the scale of the run, where it works,
 * whether PostgreSQL answers, and how figures and failed parts are recorded. bench/run.ts
 * builds one context and hands it to each scenario in turn.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Figure } from '../support/figures';

export const CONNECTIONS = 64;
export const COMMITMENTS = 1000;
export const LONG_STREAM = 10_000;
export const GROWTH = 10_000;
export const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
export const PG_URL = process.env.ACCORD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Store = 'sqlite' | 'postgres';

export const SCENARIO = {
  commands: '1 commands over HTTP',
  growth: '2 growth',
  rebuild: '3 projection rebuild',
  load: '4 load a 10,000-event commitment',
  verify: '5 audit verify',
  peer: '6 peer',
  limits: '7 limits',
  tree: '8 transparency log',
};

export const size = (n: number) =>
  n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n);

export interface BenchConfig {
  readonly loadSeconds: number;
  readonly warmUpSeconds: number;
  /** Events in the large log. */
  readonly large: number;
  readonly peerEvents: number;
  readonly limitMs: number;
  /** Loads of the 10,000-event commitment (scenario 4). */
  readonly loads: number;
  readonly appendMs: number;
}

/** The scale of a run; --quick for one in under 2 minutes. The results keep it as `config`. */
export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? { loadSeconds: 4, warmUpSeconds: 1, large: 30_000, peerEvents: 11_000, limitMs: 500, loads: 10, appendMs: 500 }
    : {
        loadSeconds: 20,
        warmUpSeconds: 2,
        large: 1_000_000,
        peerEvents: 15_000,
        limitMs: 2000,
        loads: 20,
        appendMs: 1500,
      };
}

export interface BenchContext {
  /** The run's scratch directory, removed at the end. */
  readonly dir: string;
  /** Where the large log is kept from one run to the next ($ACCORD_BENCH_CACHE). */
  readonly cacheDir: string;
  readonly config: BenchConfig;
  readonly quick: boolean;
  /** --http-setup: the empty store's commitments are set up through the public API. */
  readonly httpSetup: boolean;
  /** The server's version when PostgreSQL answers at PG_URL; undefined skips its scenarios. */
  readonly postgres: string | undefined;
  /** A URL in a schema of the run's own (listed in `schemas`, dropped at the end). */
  readonly pgUrl: (name: string) => string;
  readonly schemas: string[];
  readonly say: (message: string) => void;
  readonly add: (figure: Figure) => void;
  /** One part of the run: a failure is reported with the results, not fatal to the rest. */
  readonly step: <T>(name: string, work: () => Promise<T>) => Promise<T | undefined>;
  /** The parts that did not run or failed, for the results. */
  readonly skipped: string[];
}

export function benchContext(
  options: Pick<BenchContext, 'dir' | 'cacheDir' | 'config' | 'quick' | 'httpSetup' | 'postgres' | 'say' | 'add'>,
): BenchContext {
  const { say } = options;
  const run = Date.now().toString(36);
  const schemas: string[] = [];
  const pgUrl = (name: string) => {
    const schema = `accord_bench_${run}_${name}`;
    schemas.push(schema);
    return `${PG_URL}?schema=${schema}`;
  };
  const skipped: string[] = [];
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      const message = (error as Error).message.split('\n').slice(0, 3).join(' / ');
      say(`FAILED: ${name}: ${message}`);
      skipped.push(`${name} failed: ${message}`);
      return undefined;
    }
  };
  return { ...options, pgUrl, schemas, step, skipped };
}

/** The server's version when PostgreSQL answers at PG_URL (within 3 s); undefined otherwise. */
export async function postgresVersion(): Promise<string | undefined> {
  const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The context of one scenario run alone (`node dist/bench/<name>.bench.js`): a scratch
 * directory of its own (also its cache), timestamped progress on stderr, and the figures
 * collected for the table the script prints.
 */
export function standaloneBench(
  name: string,
  quick: boolean,
  postgres: string | undefined,
): { bench: BenchContext; figures: Figure[] } {
  const dir = mkdtempSync(join(tmpdir(), `accord-bench-${name}-`));
  const figures: Figure[] = [];
  const began = performance.now();
  const bench = benchContext({
    dir,
    cacheDir: dir,
    config: benchConfig(quick),
    quick,
    httpSetup: false,
    postgres,
    say: (message) =>
      void process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}\n`),
    add: (figure) => void figures.push(figure),
  });
  return { bench, figures };
}
