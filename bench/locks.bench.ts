/**
 * Idempotency-Key under SQLite's locks (issue 12, item 5): progress reports with and without
 * a fresh `Idempotency-Key` on every request, 8 connections in all, against one API process
 * (workers on) and against two processes sharing the file (workers on in the first only).
 * With a key, each command also writes its idempotency record on another connection to the
 * same file, so the throughput kept with keys shows whether the connections wait on each
 * other's locks. Part of `npm run bench`; alone (after `npm run build`):
 *
 *     node dist/bench/locks.bench.js [--seconds 5] [--rounds 3]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyToDisk } from './support/copy-to-disk';
import { call } from './support/api-setup';
import { format, table, type Figure } from './support/figures';
import { PROGRESS_BODY } from './support/load';
import { runTask, startApi, type ServerProcess } from './support/processes';

const CONNECTIONS = 8;
const COMMITMENTS = 1000;
const SCENARIO = 'locks: Idempotency-Key at 8 connections';

// autocannon ships no types; these are the parts used here.
interface AutocannonResult {
  duration: number;
  /** Connection errors, timeouts included. */
  errors: number;
  latency: { p99: number };
  statusCodeStats: Record<string, { count: number }>;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

export interface LocksRun {
  readonly processes: 1 | 2;
  readonly keys: boolean;
  readonly okPerSecond: number;
  /** The worst p99 of the processes' loads. */
  readonly p99Ms: number;
  readonly status5xx: number;
  /** Connection errors and timeouts (autocannon's 10 s). */
  readonly errors: number;
  /** Responses by status code, all processes together. */
  readonly statusCodes: Record<string, number>;
}

export interface LocksOptions {
  /** Of each load. */
  readonly seconds: number;
  /** Pairs of loads (without keys, with) on each shape; 3 unless told. */
  readonly rounds?: number;
  readonly warmUpSeconds: number;
  readonly say: (message: string) => void;
}

/** `connections` keep-alive connections of progress reports on one API, each request with a fresh key if `keys`. */
function load(url: string, key: string, ids: readonly string[], connections: number, seconds: number, keys: boolean) {
  let next = Math.floor(Math.random() * ids.length);
  const run = randomBytes(6).toString('hex');
  let sent = 0;
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        body: PROGRESS_BODY,
        setupRequest: (request: Record<string, unknown>) => ({
          ...request,
          path: `/commitments/${ids[next++ % ids.length]}/progress`,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            ...(keys ? { 'idempotency-key': `bench-${run}-${sent++}` } : {}),
          },
        }),
      },
    ],
  });
}

/** The same load split over the APIs (8 connections in all), measured after a warm-up. */
async function measure(
  apis: readonly ServerProcess[],
  key: string,
  ids: readonly string[],
  keys: boolean,
  options: LocksOptions,
): Promise<LocksRun> {
  const each = CONNECTIONS / apis.length;
  const all = (seconds: number) => Promise.all(apis.map((api) => load(api.url, key, ids, each, seconds, keys)));
  if (options.warmUpSeconds > 0) await all(options.warmUpSeconds);
  const results = await all(options.seconds);
  const ok = results.reduce((sum, r) => sum + r['2xx'], 0);
  const statusCodes: Record<string, number> = {};
  for (const r of results) {
    for (const [code, s] of Object.entries(r.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + s.count;
  }
  const status5xx = Object.entries(statusCodes).reduce((n, [code, count]) => n + (code.startsWith('5') ? count : 0), 0);
  return {
    processes: apis.length as 1 | 2,
    keys,
    okPerSecond: Math.round(ok / Math.max(...results.map((r) => r.duration))),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    status5xx,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    statusCodes,
  };
}

/** Waits until the read models and the process manager have read the whole log. */
async function caughtUp(api: ServerProcess, adminKey: string): Promise<void> {
  for (;;) {
    const { json } = await call(api.url, 'GET', '/projections', adminKey);
    const items = json.items as { lag: number }[];
    if (items.every((item) => item.lag === 0) && (json.processManager as { lag: number }).lag === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Starts the API (two processes on one file, or one) on a fresh copy of the prepared store and measures one load. */
async function runOnce(
  file: string,
  adminKey: string,
  ids: readonly string[],
  processes: 1 | 2,
  keys: boolean,
  options: LocksOptions,
): Promise<LocksRun> {
  const apis = [await startApi(`sqlite:${file}`, adminKey)];
  try {
    if (processes === 2) apis.push(await startApi(`sqlite:${file}`, adminKey, { ACCORD_WORKERS: 'off' }));
    const body = { name: 'bench', role: 'integration', party: 'MA' };
    const integration = String((await call(apis[0].url, 'POST', '/admin/keys', adminKey, body)).json.key);
    await caughtUp(apis[0], adminKey);
    return await measure(apis, integration, ids, keys, options);
  } finally {
    await Promise.all(apis.map((api) => api.stop()));
  }
}

/**
 * Rounds of two runs, without keys then with, each on fresh processes and a fresh copy of one
 * prepared store (a stalled run must not hold up the next): one process, then two. Pairs close
 * in time, so that the ratio of a pair holds on a machine whose load changes.
 */
export async function locksBench(options: LocksOptions): Promise<LocksRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-locks-'));
  const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
  const runs: LocksRun[] = [];
  try {
    const template = join(dir, 'template.db');
    const prepared = await runTask<{ commitmentIds: string[] }>([
      'prepare',
      `sqlite:${template}`,
      '0',
      '0',
      String(COMMITMENTS),
      '0',
    ]);
    for (const processes of [1, 2] as const) {
      for (let round = 0; round < (options.rounds ?? 3); round++) {
        for (const keys of [false, true]) {
          const file = join(dir, `run-${processes}-${round}-${keys}.db`);
          copyToDisk(template, file);
          const run = await runOnce(file, adminKey, prepared.commitmentIds, processes, keys, options);
          rmSync(file, { force: true });
          for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
          options.say(
            `  ${processes} process${processes === 2 ? 'es' : ''}, ${keys ? 'with' : 'without'} keys: ` +
              `${run.okPerSecond} commands/s, p99 ${run.p99Ms} ms, ${run.status5xx} × 5xx, ${run.errors} errors ` +
              `(statuses ${JSON.stringify(run.statusCodes)})`,
          );
          runs.push(run);
        }
      }
    }
    return runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The runs as bench figures: medians of the rounds; the median ratio of the pairs carries the target (>= 0.5). */
export function locksFigures(runs: readonly LocksRun[]): Figure[] {
  const figures: Figure[] = [];
  const figure = (metric: string, value: number | null, unit: string, target?: string): Figure => ({
    scenario: SCENARIO,
    store: 'sqlite',
    metric,
    value,
    unit,
    ...(target ? { target } : {}),
  });
  for (const processes of [1, 2] as const) {
    const shape = processes === 1 ? 'one process' : 'two processes on one file';
    const without = runs.filter((r) => r.processes === processes && !r.keys);
    const withKeys = runs.filter((r) => r.processes === processes && r.keys);
    for (const [keys, of] of [
      [false, without],
      [true, withKeys],
    ] as const) {
      if (of.length === 0) continue;
      const label = `${shape}, ${keys ? 'with' : 'without'} keys`;
      figures.push(
        figure(`${label}: 2xx commands/s (median of ${of.length})`, median(of.map((r) => r.okPerSecond)), 'commands/s'),
        figure(`${label}: p99 latency (median of ${of.length})`, median(of.map((r) => r.p99Ms)), 'ms'),
        figure(
          `${label}: 5xx responses and errors (all runs)`,
          of.reduce((n, r) => n + r.status5xx + r.errors, 0),
          'responses',
          '<= 0',
        ),
      );
    }
    const pairs = Math.min(without.length, withKeys.length);
    if (pairs > 0) {
      const ratios = Array.from({ length: pairs }, (_, i) =>
        without[i].okPerSecond > 0 ? withKeys[i].okPerSecond / without[i].okPerSecond : 0,
      );
      figures.push(
        figure(
          `${shape}: commands/s with keys / without (median of ${pairs} pairs)`,
          median(ratios),
          'ratio',
          '>= 0.5',
        ),
      );
    }
  }
  return figures;
}

if (require.main === module) {
  const arg = (name: string, otherwise: number) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : otherwise;
  };
  const seconds = arg('--seconds', 5);
  const rounds = arg('--rounds', 3);
  const say = (message: string): void => void process.stderr.write(`${message}\n`);
  say(
    `locks: ${rounds} rounds of ${seconds} s runs, ${CONNECTIONS} connections, progress reports over ${COMMITMENTS} commitments`,
  );
  locksBench({ seconds, rounds, warmUpSeconds: 1, say })
    .then((runs) => {
      const figures = locksFigures(runs);
      console.log(table(figures));
      for (const f of figures.filter((f) => f.unit === 'ratio'))
        console.log(`${f.metric}: ${format(f.value, 'ratio')}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
